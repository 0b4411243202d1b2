"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing with SHA-256.

Hashing (RFC 9162 section 2.1.1)::

    MTH({})  = SHA-256()                       the empty tree
    leaf     = SHA-256(0x00 || data)
    node     = SHA-256(0x01 || left || right)

A tree of ``n`` leaves splits at ``k``, the largest power of two smaller than
``n``: ``MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))``.

Two families of functions live here:

- the contract: :func:`verify_inclusion` and :func:`verify_consistency`, which
  take raw 32-byte hashes and raise :class:`~longjiang.errors.ProofError`
  (carrying the expected and calculated roots where there are roots to
  compare) when a proof does not verify or is malformed. They implement the
  algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step.
- proof *plans*: :func:`inclusion_ranges` and :func:`consistency_ranges` say
  which leaf ranges ``[start, end)`` a proof is made of, and
  :func:`perfect_subtrees` says which stored perfect-subtree nodes
  ``(level, index)`` make up the hash of a range. :mod:`longjiang.ledger.tree`
  uses them to serve proofs from stored nodes in O(log n) reads; the
  list-based :func:`inclusion_proof` / :func:`consistency_proof` here re-hash
  the leaves and are meant for small, in-memory trees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from longjiang.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "consistency_path_roots",
    "consistency_proof",
    "consistency_proof_length",
    "consistency_ranges",
    "fold_right",
    "inclusion_proof",
    "inclusion_proof_length",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaves",
    "verify_consistency",
    "verify_inclusion",
]

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32
#: Tree sizes are unsigned 64-bit integers on the wire (RFC 9162 ``uint64 tree_size``).
MAX_TREE_SIZE = (1 << 64) - 1
#: ``MTH({})``: the root of the empty tree, SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Hash of a leaf entry: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """``MTH`` of a list of leaf hashes, in O(n) hashing and O(log n) memory.

    Leaves are folded into a stack of perfect-subtree roots (a binary counter);
    the right edge is then folded from the right, which is the same tree as
    the recursive definition's split at the largest power of two.
    """
    stack: list[bytes] = []
    for count, leaf in enumerate(leaf_hashes, start=1):
        h = leaf
        c = count
        while c & 1 == 0:  # one completed perfect subtree per trailing zero
            h = node_hash(stack.pop(), h)
            c >>= 1
        stack.append(h)
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()
    while stack:
        root = node_hash(stack.pop(), root)
    return root


# ---------------------------------------------------------------------------
# Proof plans: which ranges make up a proof, which stored nodes make up a range
# ---------------------------------------------------------------------------


def _check_size(name: str, value: int) -> None:
    if type(value) is not int or value < 0 or value > MAX_TREE_SIZE:
        raise ProofError(f"{name} must be an integer in [0, 2**64 - 1], got {value!r}")


def inclusion_ranges(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The leaf ranges ``[start, end)`` whose ``MTH`` form ``PATH(index, D[tree_size])``.

    Ordered as in the proof: the leaf's sibling first, the root's child last
    (RFC 9162 section 2.1.3.1). At most one range is not a perfect subtree: the
    right-edge range ``[x, tree_size)``.
    """
    _check_size("tree_size", tree_size)
    _check_size("index", index)
    if index >= tree_size:
        raise ProofError(f"leaf index {index} is out of range for tree size {tree_size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, tree_size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose ``MTH`` form ``PROOF(size1, D[size2])`` (RFC 9162 2.1.4.1).

    Empty when ``size1`` is 0 or equal to ``size2`` (nothing to prove). At most
    one range is not a perfect subtree: the right-edge range ``[x, size2)``.
    """
    _check_size("size1", size1)
    _check_size("size2", size2)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0 or size1 == size2:
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size2
    whole_old_tree = True  # the SUBPROOF flag b: still on the old tree's left spine
    while True:
        n, m = hi - lo, size1 - lo
        if m == n:
            if not whole_old_tree:
                ranges.append((lo, hi))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole_old_tree = False
    ranges.reverse()
    return ranges


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The stored nodes ``(level, index)`` that make up the range ``[start, end)``.

    Level 0 holds leaves; node ``(level, i)`` covers leaves
    ``[i * 2**level, (i + 1) * 2**level)``. The range must start at a multiple
    of the largest power of two not above its length, which holds for every
    range of a proof plan and for ``[0, size)``. The nodes come largest first;
    ``MTH`` of the range is their fold from the right.
    """
    if start < 0 or end < start:
        raise ValueError(f"negative range [{start}, {end})")
    nodes: list[tuple[int, int]] = []
    pos = start
    remaining = end - start
    while remaining:
        level = remaining.bit_length() - 1
        size = 1 << level
        if pos % size:
            raise ValueError(f"range [{start}, {end}) is not aligned at {pos} for level {level}")
        nodes.append((level, pos >> level))
        pos += size
        remaining -= size
    return nodes


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Fold perfect-subtree roots (largest first) into the ``MTH`` of their range."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_proof_length(index: int, tree_size: int) -> int:
    """Number of hashes in the inclusion proof of ``index`` in a tree of ``tree_size``."""
    _check_size("tree_size", tree_size)
    _check_size("index", index)
    if index >= tree_size:
        raise ProofError(f"leaf index {index} is out of range for tree size {tree_size}")
    # Levels where the paths to the leaf and to the last leaf differ, plus the
    # levels above where the leaf has a left sibling on the shared border.
    inner = (index ^ (tree_size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner + border


def consistency_proof_length(size1: int, size2: int) -> int:
    """Number of hashes in the consistency proof from ``size1`` to ``size2``."""
    return len(consistency_ranges(size1, size2))


def inclusion_proof(
    leaf_hashes: Sequence[bytes], index: int, tree_size: int | None = None
) -> list[bytes]:
    """Inclusion proof for leaf ``index`` in the tree of the first ``tree_size`` leaves.

    Re-hashes the leaves it needs (O(n)); for a log that grows use
    :class:`longjiang.ledger.tree.MerkleTree`, which serves proofs from stored
    nodes.
    """
    size = len(leaf_hashes) if tree_size is None else tree_size
    if size > len(leaf_hashes):
        raise ProofError(f"tree size {size} exceeds the {len(leaf_hashes)} leaves given")
    return [root_from_leaves(leaf_hashes[a:b]) for a, b in inclusion_ranges(index, size)]


def consistency_proof(
    leaf_hashes: Sequence[bytes], size1: int, size2: int | None = None
) -> list[bytes]:
    """Consistency proof between the trees of the first ``size1`` and ``size2`` leaves (O(n))."""
    size = len(leaf_hashes) if size2 is None else size2
    if size > len(leaf_hashes):
        raise ProofError(f"tree size {size} exceeds the {len(leaf_hashes)} leaves given")
    return [root_from_leaves(leaf_hashes[a:b]) for a, b in consistency_ranges(size1, size)]


# ---------------------------------------------------------------------------
# Verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2)
# ---------------------------------------------------------------------------


def _check_hash(name: str, value: object) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ProofError(f"{name} must be bytes, got {type(value).__name__}")
    raw = bytes(value)
    if len(raw) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(raw)}")
    return raw


def _check_proof(proof: Sequence[bytes]) -> list[bytes]:
    if isinstance(proof, bytes | bytearray | memoryview | str):
        raise ProofError("proof must be a sequence of hashes, not a single byte string")
    return [_check_hash(f"proof[{i}]", p) for i, p in enumerate(proof)]


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` (RFC 9162 2.1.3.2, steps 1-4).

    Raises :class:`ProofError` when the proof is malformed: wrong length, index
    out of range, hashes that are not 32 bytes.
    """
    _check_size("tree_size", tree_size)
    _check_size("index", index)
    leaf = _check_hash("leaf_hash", leaf_hash)
    path = _check_proof(proof)
    # 1. leaf_index >= tree_size fails the verification.
    if index >= tree_size:
        raise ProofError(f"leaf index {index} is out of range for tree size {tree_size}")
    want = inclusion_proof_length(index, tree_size)
    if len(path) != want:
        raise ProofError(
            f"inclusion proof for leaf {index} of tree size {tree_size} must have "
            f"{want} hashes, got {len(path)}"
        )
    # 2. fn = leaf_index, sn = tree_size - 1.
    fn, sn = index, tree_size - 1
    # 3. r = hash.
    r = leaf
    # 4. For each p in the inclusion path:
    for p in path:
        # a. sn == 0 with hashes left: fail.
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        # b. LSB(fn) set, or fn == sn: p is a left sibling.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # ii. skip the levels where this node has no right sibling.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # otherwise p is a right sibling.
            r = node_hash(r, p)
        # c. one level up.
        fn >>= 1
        sn >>= 1
    # 5. sn must be 0 (the whole path was used).
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` with ``root``.

    Returns ``None`` on success. Raises :class:`~longjiang.errors.ProofError`
    if the proof does not verify (``expected`` is ``root``, ``calculated`` the
    root the proof implies) or is malformed (wrong length, index out of range,
    hashes that are not 32 bytes; no roots attached then).
    """
    expected = _check_hash("root", root)
    calculated = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)
    if calculated != expected:
        raise ProofError(
            f"inclusion proof for leaf {index} of tree size {tree_size} does not verify",
            expected=expected,
            calculated=calculated,
        )


def consistency_path_roots(size1: int, size2: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """The two roots, ``(fr, sr)``, that a consistency path implies (RFC 9162 2.1.4.2 steps
    3-7 without the final comparisons), for ``0 < size1 < size2``. ``path`` is the proof
    with the old tree's own root prepended when ``size1`` is a power of two (step 2)."""
    if not path:
        raise ProofError("empty consistency proof")
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = size1 - 1, size2 - 1
    # 4. Skip the levels where the old tree's last node is a right child.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = the first value.
    fr = sr = path[0]
    # 6. For each subsequent value c:
    for c in path[1:]:
        # a. sn == 0 with hashes left: fail.
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        # b. c is a left sibling: it is in both trees.
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            # iii. skip the levels where this node has no right sibling.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # otherwise c is a right sibling, only in the new tree.
            sr = node_hash(sr, c)
        # c. one level up.
        fn >>= 1
        sn >>= 1
    # 7. sn must be 0 (fr is compared by the caller).
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    return fr, sr


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """Check ``proof`` against ``root1`` and return the ``size2`` root it implies.

    RFC 9162 2.1.4.2 computes two roots from the proof: the old one (``fr``),
    which must equal ``root1``, and the new one (``sr``), returned here.
    ``size1 == size2`` needs an empty proof and returns ``root1``. From
    ``size1 == 0`` no root can be computed (every tree extends the empty
    tree), so that raises; :func:`verify_consistency` handles it.
    """
    _check_size("size1", size1)
    _check_size("size2", size2)
    old = _check_hash("root1", root1)
    path = _check_proof(proof)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == size2 or size1 == 0:
        if path:
            raise ProofError(
                f"consistency proof from size {size1} to {size2} must be empty, "
                f"got {len(path)} hashes"
            )
        if size1 == 0:
            if old != EMPTY_ROOT:
                raise ProofError(
                    "root1 of an empty tree must be SHA-256 of the empty string",
                    expected=old,
                    calculated=EMPTY_ROOT,
                )
            raise ProofError("a consistency proof from the empty tree implies no root")
        return old
    want = consistency_proof_length(size1, size2)
    if len(path) != want:
        raise ProofError(
            f"consistency proof from size {size1} to {size2} must have {want} hashes, "
            f"got {len(path)}"
        )
    # 1. An empty path fails (cannot happen here: want >= 1 for 0 < size1 < size2).
    # 2. If size1 is an exact power of two, prepend first_hash.
    if size1 & (size1 - 1) == 0:
        path = [old, *path]
    fr, sr = consistency_path_roots(size1, size2, path)
    if fr != old:
        raise ProofError(
            f"consistency proof from size {size1} to {size2} does not match root1",
            expected=old,
            calculated=fr,
        )
    return sr


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the tree of ``size1`` with ``root1``.

    Returns ``None`` on success. Raises :class:`~longjiang.errors.ProofError`
    if the proof does not verify (``expected`` is the given root, ``calculated``
    the root the proof implies, for whichever of the two roots failed) or is
    malformed (``size1 > size2``, wrong length, hashes that are not 32 bytes).

    Trivial cases: equal sizes need an empty proof and equal roots; ``size1 ==
    0`` needs an empty proof and ``root1`` equal to SHA-256 of the empty
    string (every tree extends the empty tree).
    """
    new = _check_hash("root2", root2)
    _check_size("size1", size1)
    if size1 == 0:
        _check_size("size2", size2)
        _check_hash("root1", root1)
        if _check_proof(proof):
            raise ProofError(
                f"consistency proof from size 0 to {size2} must be empty, got {len(proof)} hashes"
            )
        if bytes(root1) != EMPTY_ROOT:
            raise ProofError(
                "root1 of an empty tree must be SHA-256 of the empty string",
                expected=bytes(root1),
                calculated=EMPTY_ROOT,
            )
        if size2 == 0 and new != EMPTY_ROOT:
            raise ProofError(
                "root2 of an empty tree must be SHA-256 of the empty string",
                expected=new,
                calculated=EMPTY_ROOT,
            )
        return
    calculated = root_from_consistency_proof(size1, size2, proof, root1)
    if calculated != new:
        raise ProofError(
            f"consistency proof from size {size1} to {size2} does not match root2",
            expected=new,
            calculated=calculated,
        )
