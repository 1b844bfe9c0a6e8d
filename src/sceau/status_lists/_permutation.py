"""A keyed pseudo-random permutation of ``[0, size)``: position p → status list index.

Handing out positions 0, 1, 2, ... of a list and publishing ``perm(p)`` gives indices that look
uniformly random to anyone without the list's key (Bitstring Status List §6.5 "assign indices
at random"; Token Status List privacy considerations), and that never repeat, because a
permutation is a bijection: no "is this index free?" probing, no retries, and the only shared
state is one counter per list.

Construction: a balanced Feistel network (Luby–Rackoff: ≥ 4 rounds of a PRF give a PRP; we use 8)
over ``2**(2h)`` ≥ ``size`` values, with keyed BLAKE2b as the round function, and cycle walking
to stay inside ``[0, size)``. ``size`` is at least 131,072 so walking takes < 2 steps on average.
"""

from __future__ import annotations

import hashlib

ROUNDS = 8


class IndexPermutation:
    """``perm(position)`` for one list. Deterministic for a given key and size."""

    __slots__ = ("_half_bits", "_key", "_mask", "size")

    def __init__(self, key: bytes, size: int) -> None:
        if len(key) < 16:
            raise ValueError("permutation key must be at least 16 bytes")
        if size < 2:
            raise ValueError("size must be at least 2")
        bits = max((size - 1).bit_length(), 2)
        self._half_bits = (bits + 1) // 2
        self._mask = (1 << self._half_bits) - 1
        self._key = key[:64]
        self.size = size

    def _round(self, r: int, value: int) -> int:
        digest = hashlib.blake2b(
            r.to_bytes(1, "big") + value.to_bytes(4, "big"), key=self._key, digest_size=8
        ).digest()
        return int.from_bytes(digest, "big") & self._mask

    def _feistel(self, x: int) -> int:
        left, right = x >> self._half_bits, x & self._mask
        for r in range(ROUNDS):
            left, right = right, left ^ self._round(r, right)
        return (left << self._half_bits) | right

    def __call__(self, position: int) -> int:
        if not 0 <= position < self.size:
            raise ValueError("position out of range")
        x = self._feistel(position)
        while x >= self.size:  # cycle walking keeps the bijection on [0, size)
            x = self._feistel(x)
        return x
