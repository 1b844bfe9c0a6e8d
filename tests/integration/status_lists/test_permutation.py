"""The keyed index permutation behind allocation: a bijection, key-dependent, not sequential."""

from __future__ import annotations

from itertools import pairwise

from sceau.status_lists._permutation import IndexPermutation


def test_permutation_of_a_full_list_is_a_bijection() -> None:
    perm = IndexPermutation(bytes(range(32)), 131_072)
    image = [perm(p) for p in range(131_072)]
    assert sorted(image) == list(range(131_072))  # every index exactly once: never reused


def test_permutation_stays_in_range_for_sizes_that_are_not_powers_of_two() -> None:
    perm = IndexPermutation(b"k" * 32, 200_003)
    image = {perm(p) for p in range(0, 200_003, 7)}
    assert all(0 <= i < 200_003 for i in image)
    assert len(image) == len(range(0, 200_003, 7))


def test_different_list_keys_give_unrelated_orders() -> None:
    first = [IndexPermutation(b"a" * 32, 131_072)(p) for p in range(64)]
    second = [IndexPermutation(b"b" * 32, 131_072)(p) for p in range(64)]
    assert len(set(first) & set(second)) <= 2
    assert sum(1 for a, b in pairwise(first) if abs(b - a) == 1) == 0
