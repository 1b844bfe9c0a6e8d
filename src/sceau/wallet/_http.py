"""The wallet's HTTP client: https only, plain http to loopback (dev) or named test hosts.

An injectable ``httpx2`` transport lets tests drive the in-process ASGI app with the same code.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import httpx2

from sceau.core.errors import InputTooLarge, InvalidInput

__all__ = ["LOOPBACK_HOSTS", "WalletHttp"]

LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_MAX_RESPONSE_BYTES: Final = 2 * 1024 * 1024
DEFAULT_TIMEOUT_S: Final = 15.0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in LOOPBACK_HOSTS


@dataclass
class WalletHttp:
    """``async with WalletHttp() as http: await http.get(url)``.

    ``http_hosts``: hosts reachable over plain http besides loopback (tests use ``testserver``).
    """

    transport: httpx2.AsyncBaseTransport | None = None
    http_hosts: frozenset[str] = frozenset()
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    _client: httpx2.AsyncClient | None = field(default=None, repr=False)

    async def __aenter__(self) -> WalletHttp:
        self._client = httpx2.AsyncClient(
            transport=self.transport,
            follow_redirects=False,
            timeout=self.timeout_s,
            trust_env=False,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def check_url(self, url: str) -> str:
        """``url`` if the wallet may call it; else :class:`InvalidInput` ``url_not_allowed``."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host or parts.username or parts.password:
            raise InvalidInput(f"not a usable URL: {url!r}", code="url_not_allowed")
        if parts.scheme == "https":
            return url
        if parts.scheme == "http" and (_is_loopback(host) or host in self.http_hosts):
            return url
        raise InvalidInput(
            f"only https (or http to loopback) is allowed: {url}", code="url_not_allowed"
        )

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        if self._client is None:
            raise RuntimeError("use WalletHttp as an async context manager")
        # Read at most max_response_bytes: a hostile server cannot make the wallet buffer more.
        async with self._client.stream(method, self.check_url(url), **kwargs) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_response_bytes:
                raise InputTooLarge("response body", limit=self.max_response_bytes)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise InputTooLarge("response body", limit=self.max_response_bytes)
                chunks.append(chunk)
        return httpx2.Response(
            response.status_code,
            headers=[
                (k, v) for k, v in response.headers.items() if k.lower() != "content-encoding"
            ],
            content=b"".join(chunks),
            request=response.request,
        )

    async def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx2.Response:
        return await self.request("POST", url, **kwargs)
