"""StatusListCache: one fetch per list per TTL, Cache-Control honoured, clamped, failures named."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from sceau.fetch import FetchError
from sceau.verification.status import StatusListCache, StatusUnavailable

pytestmark = pytest.mark.anyio


@dataclass
class Doc:
    status: int
    headers: dict[str, str]
    content: bytes


@dataclass
class FakeFetcher:
    """Counts calls; answers from a table (the world beyond the machine, kept in memory)."""

    answers: dict[str, Doc]
    calls: list[str] = field(default_factory=list)

    async def get(self, url: str, *, accept: str = "*/*") -> Doc:
        self.calls.append(url)
        await asyncio.sleep(0)
        if url not in self.answers:
            raise FetchError("down", code="fetch_failed")
        return self.answers[url]


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


async def verify_plain(content: bytes) -> tuple[Any, int | None]:
    return content.decode(), None


async def test_max_age_is_honoured_and_one_fetch_serves_concurrent_callers() -> None:
    fetcher = FakeFetcher({"u": Doc(200, {"cache-control": "public, max-age=120"}, b"v1")})
    clock = Clock()
    cache = StatusListCache(fetcher, clock=clock)
    values = await asyncio.gather(
        *(cache.get("u", accept="*", verify=verify_plain) for _ in range(10))
    )
    assert values == ["v1"] * 10 and fetcher.calls == ["u"]
    clock.t += 119
    await cache.get("u", accept="*", verify=verify_plain)
    assert len(fetcher.calls) == 1
    clock.t += 2
    await cache.get("u", accept="*", verify=verify_plain)
    assert len(fetcher.calls) == 2


async def test_ttl_from_the_list_wins_and_is_clamped_to_the_minimum() -> None:
    fetcher = FakeFetcher({"u": Doc(200, {"cache-control": "max-age=9999"}, b"v")})
    clock = Clock()
    cache = StatusListCache(fetcher, clock=clock, min_ttl_s=60)

    async def verify_ttl_zero(content: bytes) -> tuple[Any, int | None]:
        return content, 0  # a list asking for no caching still gets the floor (L-04)

    await cache.get("u", accept="*", verify=verify_ttl_zero)
    clock.t += 59
    await cache.get("u", accept="*", verify=verify_ttl_zero)
    assert len(fetcher.calls) == 1
    clock.t += 2
    await cache.get("u", accept="*", verify=verify_ttl_zero)
    assert len(fetcher.calls) == 2


async def test_unreachable_or_failing_lists_make_the_status_unavailable() -> None:
    cache = StatusListCache(FakeFetcher({"bad": Doc(500, {}, b"")}))
    for url in ("down", "bad"):
        with pytest.raises(StatusUnavailable) as exc:
            await cache.get(url, accept="*", verify=verify_plain)
        assert exc.value.code == "status_unavailable"
