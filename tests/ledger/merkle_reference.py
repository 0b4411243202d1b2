"""Slow, literal reference implementation of RFC 9162 Merkle trees (test-only).

Written straight from the recursive definitions of RFC 9162 (Certificate
Transparency v2): section 2.1.1 (MTH), 2.1.3.1 (PATH) and 2.1.4.1
(PROOF/SUBPROOF). It recomputes every subtree hash it needs from the leaves,
so it costs O(n) hashes per proof and O(n log n) per root. It is the oracle the
fast code in ``longjiang.ledger.merkle`` and ``longjiang.ledger.tree`` is
checked against; it never appears in ``src``.

The reference verifiers (``ref_root_from_path``, ``ref_roots_from_proof``)
invert the same recursive definitions instead of following the bit-twiddling
algorithms of RFC 9162 sections 2.1.3.2 / 2.1.4.2, so a differential test
between them and the fast verifiers compares two independent readings of the
RFC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def _hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_leaf_hash(entry: bytes) -> bytes:
    """MTH({d(0)}) = HASH(0x00 || d(0))."""
    return _hash(b"\x00" + entry)


def ref_node(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right)."""
    return _hash(b"\x01" + left + right)


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1): k < n <= 2k."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over raw entries (not leaf hashes), exactly as RFC 9162 2.1.1 defines it."""
    n = len(entries)
    if n == 0:
        return _hash(b"")
    if n == 1:
        return ref_leaf_hash(entries[0])
    k = _k(n)
    return ref_node(mth(entries[:k]), mth(entries[k:]))


def path(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1."""
    n = len(entries)
    if not 0 <= m < n:
        raise ValueError("m out of range")
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def subproof(m: int, entries: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1."""
    n = len(entries)
    if m == n:
        return [] if b else [mth(entries)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, entries[:k], b), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


def proof(m: int, entries: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true), defined for 0 < m < n."""
    if not 0 < m < len(entries):
        raise ValueError("PROOF is defined for 0 < m < n")
    return subproof(m, entries, True)


def ref_root_from_path(leaf: bytes, m: int, n: int, hashes: Sequence[bytes]) -> bytes | None:
    """Invert PATH: the root that ``hashes`` imply for leaf ``m`` of ``n``, or None if malformed.

    PATH appends the sibling of the top-level split last, so the last hash is
    combined last, on the side the recursion says.
    """
    if not 0 <= m < n:
        return None
    if n == 1:
        return leaf if not hashes else None
    if not hashes:
        return None
    k = _k(n)
    last = hashes[-1]
    if m < k:
        left = ref_root_from_path(leaf, m, k, hashes[:-1])
        return None if left is None else ref_node(left, last)
    right = ref_root_from_path(leaf, m - k, n - k, hashes[:-1])
    return None if right is None else ref_node(last, right)


def _subproof_roots(
    m: int, n: int, b: bool, hashes: Sequence[bytes], old_root: bytes
) -> tuple[bytes, bytes] | None:
    """Invert SUBPROOF(m, D[n], b): (hash of the old part, hash of the new part), or None."""
    if m == n:
        if b:
            # The node is the whole old tree: the verifier already knows it.
            return (old_root, old_root) if not hashes else None
        return (hashes[0], hashes[0]) if len(hashes) == 1 else None
    if not hashes:
        return None
    k = _k(n)
    last = hashes[-1]
    if m <= k:
        inner = _subproof_roots(m, k, b, hashes[:-1], old_root)
        if inner is None:
            return None
        return inner[0], ref_node(inner[1], last)
    inner = _subproof_roots(m - k, n - k, False, hashes[:-1], old_root)
    if inner is None:
        return None
    return ref_node(last, inner[0]), ref_node(last, inner[1])


def ref_roots_from_proof(
    m: int, n: int, hashes: Sequence[bytes], old_root: bytes
) -> tuple[bytes, bytes] | None:
    """Invert PROOF(m, D[n]) for 0 < m < n: (old root, new root) implied, or None if malformed."""
    if not 0 < m < n:
        return None
    return _subproof_roots(m, n, True, hashes, old_root)


def ref_verify_inclusion(leaf: bytes, m: int, n: int, hashes: Sequence[bytes], root: bytes) -> bool:
    """True when ``hashes`` prove ``leaf`` at ``m`` in the tree of ``n`` with ``root``."""
    if any(len(h) != 32 for h in [leaf, root, *hashes]):
        return False
    return ref_root_from_path(leaf, m, n, hashes) == root


def ref_verify_consistency(
    m: int, n: int, hashes: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """True when ``hashes`` prove tree ``n`` (``new_root``) extends tree ``m`` (``old_root``)."""
    if any(len(h) != 32 for h in [old_root, new_root, *hashes]):
        return False
    if m < 0 or m > n:
        return False
    if m == n:
        return not hashes and old_root == new_root
    if m == 0:
        return not hashes and old_root == _hash(b"") and (n > 0 or new_root == old_root)
    roots = ref_roots_from_proof(m, n, hashes, old_root)
    return roots is not None and roots == (old_root, new_root)
