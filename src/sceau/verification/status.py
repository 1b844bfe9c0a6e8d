"""Status lists as a relying party sees them: fetched through a port, verified, cached.

A credential's status is read from the *shared* list its issuer publishes (Token Status List
§"Referenced Token", Bitstring Status List §3.2): one fetch serves every credential on that list
until the cache entry expires, so the issuer never learns which credential is being checked.
Cache life: the token's ``ttl``/``exp`` (:func:`cache_ttl`), or ``Cache-Control: max-age`` for
list credentials, clamped to ``[min_ttl_s, max_ttl_s]``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sceau.core.errors import SceauError, VerificationFailed
from sceau.core.status.token_status_list import (
    StatusListToken,
    cache_ttl,
    verify_status_list_token,
)

__all__ = ["StatusListCache", "StatusListFetcher", "StatusUnavailable"]

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d{1,9})\s*(?:,|$)", re.IGNORECASE)


class StatusUnavailable(VerificationFailed):
    """The status list could not be fetched or verified: the status is unknown."""

    code = "status_unavailable"


class FetchedDocument(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...


class StatusListFetcher(Protocol):
    """Port: GET a status list (``sceau.fetch.SafeFetcher`` in production)."""

    async def get(self, url: str, *, accept: str = "*/*") -> FetchedDocument: ...


@dataclass
class _Entry:
    expires_at: float
    value: Any


class StatusListCache:
    """Fetch-once-per-TTL cache of verified status lists, keyed by URL.

    ``verify`` turns the fetched bytes into the verified object (and raises when they do not
    verify); concurrent misses on the same URL share one fetch.
    """

    def __init__(
        self,
        fetcher: StatusListFetcher,
        *,
        clock: Callable[[], float] = time.time,
        min_ttl_s: int = 60,
        max_ttl_s: int = 24 * 3600,
        default_ttl_s: int = 300,
        max_entries: int = 10_000,
    ) -> None:
        self.fetcher = fetcher
        self._clock = clock
        self.min_ttl_s = min_ttl_s
        self.max_ttl_s = max_ttl_s
        self.default_ttl_s = default_ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    def _max_age(self, headers: Mapping[str, str]) -> int | None:
        match = _MAX_AGE.search(headers.get("cache-control", ""))
        return int(match.group(1)) if match else None

    async def get(
        self,
        url: str,
        *,
        accept: str,
        verify: Callable[[bytes], Awaitable[tuple[Any, int | None]]],
        trust_scope: str = "",
    ) -> Any:
        """The verified list at ``url``. ``verify(content)`` → ``(value, ttl or None)``.

        ``trust_scope`` (the issuer whose key verified it) is part of the cache key: a list
        verified for one issuer is never reused for another's credentials.
        """
        key = f"{trust_scope}\n{url}"
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at > now:
            return entry.value
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value, ttl = await self._load(url, accept, verify)
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = _Entry(self._clock() + ttl, value)
            future.set_result(value)
            return value
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]

    async def _load(
        self,
        url: str,
        accept: str,
        verify: Callable[[bytes], Awaitable[tuple[Any, int | None]]],
    ) -> tuple[Any, int]:
        try:
            response = await self.fetcher.get(url, accept=accept)
        except SceauError as exc:
            raise StatusUnavailable(f"status list fetch failed: {exc.code}") from exc
        if response.status != 200:
            raise StatusUnavailable(f"status list answered {response.status}")
        value, ttl = await verify(response.content)
        if ttl is None:
            ttl = self._max_age(response.headers)
        if ttl is None:
            ttl = self.default_ttl_s
        ttl = max(self.min_ttl_s, min(ttl, self.max_ttl_s))
        return value, ttl

    async def status_list_token(
        self,
        uri: str,
        key: Any,
        *,
        now: int,
        algorithms: tuple[str, ...],
        trust_scope: str = "",
    ) -> StatusListToken:
        """A verified Token Status List (``statuslist+jwt``) for ``uri``."""

        async def verify(content: bytes) -> tuple[Any, int | None]:
            try:
                token = verify_status_list_token(
                    content.decode("ascii").strip(),
                    key,
                    now=now,
                    expected_uri=uri,
                    algorithms=algorithms,
                )
            except (SceauError, UnicodeDecodeError) as exc:
                raise StatusUnavailable("status list token does not verify") from exc
            ttl = cache_ttl(token, now=now, min_ttl=self.min_ttl_s, max_ttl=self.max_ttl_s)
            return token, ttl

        result: StatusListToken = await self.get(
            uri, accept="application/statuslist+jwt", verify=verify, trust_scope=trust_scope
        )
        return result
