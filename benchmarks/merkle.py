"""Benchmark: the node-store Merkle log against naive re-hashing.

For each log size (default 10^3, 10^4, 10^5) this measures, on an in-memory
node store:

- appends per second (one leaf per call, and batched with ``extend``),
- the latency of "append one leaf and get the new root",
- inclusion and consistency proof generation latency and node reads per proof,
- proof verification latency,

and, in the same run, the naive approaches at the sizes where they are still
feasible:

- ``rehash``: the list-based ``merkle.inclusion_proof`` / ``consistency_proof``
  / ``root_from_leaves``, which re-hash every leaf a proof or root covers,
- ``literal``: the recursive RFC 9162 reference of the test suite
  (``tests/ledger/merkle_reference.py``), which recomputes every subtree.

Prints a table, then one JSON document (``--json FILE`` also writes it).

    .venv/bin/python benchmarks/merkle.py [--sizes 1000,10000,100000] [--samples 200]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from longjiang.ledger import merkle
from longjiang.ledger.tree import MemoryTreeStore, MerkleTree, NodeKey

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "ledger" / "merkle_reference.py"
#: naive methods cost O(n) per call; skip them above these sizes
REHASH_MAX = 100_000
LITERAL_MAX = 10_000


def _load_reference() -> ModuleType | None:
    if not REFERENCE.exists():
        return None
    spec = importlib.util.spec_from_file_location("merkle_reference", REFERENCE)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CountingStore(MemoryTreeStore):
    """The in-memory store, counting node reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        self.reads += len(keys)
        return super().get_nodes(keys)


def _per_call_us(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def _mean_us(fns: Sequence[Callable[[], object]]) -> float:
    start = time.perf_counter()
    for fn in fns:
        fn()
    return (time.perf_counter() - start) / max(len(fns), 1) * 1e6


def bench_size(
    n: int, samples: int, rng: random.Random, reference: ModuleType | None
) -> dict[str, Any]:
    entries = [f"shipment-event-{i}".encode() for i in range(n)]
    leaves = [merkle.leaf_hash(e) for e in entries]
    row: dict[str, Any] = {"size": n}

    # appends, one at a time
    store = CountingStore()
    tree = MerkleTree(store)
    start = time.perf_counter()
    for leaf in leaves:
        tree.append(leaf)
    elapsed = time.perf_counter() - start
    row["append_per_s"] = n / elapsed
    row["nodes_stored"] = store.node_count()

    # appends, batched
    batch_tree = MerkleTree()
    start = time.perf_counter()
    for i in range(0, n, 1000):
        batch_tree.extend(leaves[i : i + 1000])
    row["extend_per_s"] = n / (time.perf_counter() - start)
    assert batch_tree.root() == tree.root()

    # append a leaf and read the new root, for the last leaves up to size n
    k = min(samples, 200, n)
    grow = MerkleTree()
    grow.extend(leaves[: n - k])
    start = time.perf_counter()
    for leaf in leaves[n - k :]:
        grow.append(leaf)
        grow.root()
    row["append_root_us"] = (time.perf_counter() - start) / k * 1e6
    assert grow.root() == tree.root()

    # keep the big, long-lived tree out of the cyclic GC's way while timing
    gc.collect()
    gc.freeze()
    indices = [rng.randrange(n) for _ in range(samples)]
    old_sizes = [rng.randrange(1, n) for _ in range(samples)] if n > 1 else [1] * samples
    root = tree.root()

    # proofs from stored nodes
    store.reads = 0
    row["inclusion_us"] = _mean_us([lambda i=i: tree.inclusion_proof(i) for i in indices])
    row["inclusion_reads"] = store.reads / samples
    store.reads = 0
    row["consistency_us"] = _mean_us([lambda s=s: tree.consistency_proof(s) for s in old_sizes])
    row["consistency_reads"] = store.reads / samples
    row["reads_bound_2log2n_plus_2"] = 2 * math.ceil(math.log2(n)) + 2
    row["proof_hashes"] = len(tree.inclusion_proof(n // 2))

    # verification
    proofs = [(i, tree.inclusion_proof(i)) for i in indices[: min(samples, 200)]]
    row["verify_inclusion_us"] = _mean_us(
        [lambda i=i, p=p: merkle.verify_inclusion(leaves[i], i, n, p, root) for i, p in proofs]
    )
    cons = [(s, tree.consistency_proof(s), tree.root(s)) for s in old_sizes[: min(samples, 200)]]
    row["verify_consistency_us"] = _mean_us(
        [lambda s=s, p=p, r=r: merkle.verify_consistency(s, n, p, r, root) for s, p, r in cons]
    )

    # naive: re-hash the leaves a proof or root covers
    if n <= REHASH_MAX:
        few = max(3, min(samples, 2_000_000 // n))
        row["rehash_root_us"] = _per_call_us(lambda: merkle.root_from_leaves(leaves), few)
        row["rehash_inclusion_us"] = _mean_us(
            [lambda i=i: merkle.inclusion_proof(leaves, i) for i in indices[:few]]
        )
        row["rehash_consistency_us"] = _mean_us(
            [lambda s=s: merkle.consistency_proof(leaves, s) for s in old_sizes[:few]]
        )
        assert merkle.inclusion_proof(leaves, indices[0]) == tree.inclusion_proof(indices[0])
    # naive: the literal recursive reference
    if reference is not None and n <= LITERAL_MAX:
        few = max(3, min(samples, 200_000 // n))
        row["literal_root_us"] = _per_call_us(lambda: reference.mth(entries), max(1, few // 4))
        row["literal_inclusion_us"] = _mean_us(
            [lambda i=i: reference.path(i, entries) for i in indices[:few]]
        )
        row["literal_consistency_us"] = _mean_us(
            [lambda s=s: reference.proof(s, entries) for s in old_sizes[:few]]
        )
        assert reference.path(indices[0], entries) == tree.inclusion_proof(indices[0])
    gc.unfreeze()
    return row


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 1e5 else f"{value:,.0f}"
    return f"{value:,}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rng = random.Random(args.seed)
    reference = _load_reference()

    rows = [bench_size(n, args.samples, rng, reference) for n in sizes]

    columns = [
        ("size", "size"),
        ("append/s", "append_per_s"),
        ("extend/s", "extend_per_s"),
        ("append+root µs", "append_root_us"),
        ("incl µs", "inclusion_us"),
        ("incl reads", "inclusion_reads"),
        ("cons µs", "consistency_us"),
        ("cons reads", "consistency_reads"),
        ("verify incl µs", "verify_inclusion_us"),
        ("verify cons µs", "verify_consistency_us"),
        ("rehash root µs", "rehash_root_us"),
        ("rehash incl µs", "rehash_inclusion_us"),
        ("rehash cons µs", "rehash_consistency_us"),
        ("literal root µs", "literal_root_us"),
        ("literal incl µs", "literal_inclusion_us"),
        ("literal cons µs", "literal_consistency_us"),
    ]
    print(f"Merkle log benchmark (in-memory node store), Python {platform.python_version()}")
    width = max(len(title) for title, _ in columns)
    for title, key in columns:
        cells = "".join(f"{_fmt(row.get(key)):>16}" for row in rows)
        print(f"{title:<{width}}{cells}")
    doc = {
        "benchmark": "merkle",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "samples": args.samples,
        "seed": args.seed,
        "rows": rows,
    }
    text = json.dumps(doc, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
