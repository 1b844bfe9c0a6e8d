"""Status-list micro-benchmarks: set/get, encode, decode for both formats.

Run alone with ``python bench/formats_status.py``; the bench runner calls ``run(emit)``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from sceau.core.status.bitstring_status_list import BitstringStatusList
from sceau.core.status.token_status_list import StatusList

Emit = Callable[[dict[str, Any]], None]


def _rate(fn: Callable[[], object], *, min_time: float = 0.3) -> float:
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return n / elapsed


def run(emit: Emit) -> None:
    rng = random.Random(7)
    size = 1 << 20
    indices = [rng.randrange(size) for _ in range(10_000)]

    tsl = StatusList(size, bits=2)

    def tsl_sets() -> None:
        for i in indices:
            tsl.set(i, 1)

    emit({"bench": "tsl_set_2bit_1M", "ops_per_s": round(_rate(tsl_sets) * len(indices))})
    for i in rng.sample(range(size), size // 100):  # 1 % revoked, as a realistic list
        tsl.set(i, 1)
    encoded = tsl.to_json()
    emit(
        {
            "bench": "tsl_encode_2bit_1M_1pct",
            "ops_per_s": round(_rate(tsl.to_json), 1),
            "lst_chars": len(encoded["lst"]),
        }
    )
    emit(
        {
            "bench": "tsl_decode_2bit_1M_1pct",
            "ops_per_s": round(_rate(lambda: StatusList.from_json(encoded)), 1),
        }
    )

    bsl = BitstringStatusList(size)

    def bsl_sets() -> None:
        for i in indices:
            bsl.set(i, 1)

    emit({"bench": "bsl_set_1bit_1M", "ops_per_s": round(_rate(bsl_sets) * len(indices))})
    enc = bsl.encode()
    emit(
        {
            "bench": "bsl_encode_1bit_1M",
            "ops_per_s": round(_rate(bsl.encode), 1),
            "encoded_chars": len(enc),
        }
    )
    emit(
        {
            "bench": "bsl_decode_1bit_1M",
            "ops_per_s": round(_rate(lambda: BitstringStatusList.decode(enc)), 1),
        }
    )


if __name__ == "__main__":
    run(print)
