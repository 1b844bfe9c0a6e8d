"""The one outbound HTTP client of Sceau, with an SSRF guard (SECURITY.md, outbound requests).

Every fetch of a remote document (status lists, issuer metadata, JWKS, did:web documents) goes
through :class:`SafeFetcher`:

- ``https`` only (``http`` only when :attr:`FetchPolicy.allow_insecure` is set, dev/tests);
- the host is resolved once, every address must be globally routable (no loopback, private,
  link-local, multicast, reserved — unless ``allow_insecure``), and the connection goes to that
  very address (no second resolution a DNS rebinding could change), TLS still checks the name;
- at most ``max_redirects`` (3) redirects, each target re-validated the same way;
- a size cap while the body streams in and one total deadline for the whole exchange.

>>> policy = FetchPolicy(allow_insecure=False)
>>> policy.max_redirects
3
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode, urljoin, urlsplit

import httpx2

from sceau.core.errors import InputTooLarge, SceauError

__all__ = ["FetchError", "FetchPolicy", "FetchResponse", "SafeFetcher", "check_url"]

DEFAULT_MAX_BYTES: Final = 2 * 1024 * 1024
DEFAULT_TIMEOUT_S: Final = 5.0  # one deadline for DNS, redirects and body (SECURITY D-02)
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})

Resolver = Callable[[str, int], Awaitable[list[str]]]


class FetchError(SceauError):
    """An outbound fetch was refused (SSRF guard) or failed (network, status, size, deadline)."""

    code = "fetch_failed"


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of outbound requests; ``allow_insecure`` (http, private addresses) is dev only."""

    allow_insecure: bool = False
    max_redirects: int = 3
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    user_agent: str = "sceau-fetch/1"
    allowed_ports: frozenset[int] | None = None  # None: any port


@dataclass(frozen=True)
class FetchResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_url(url: str, policy: FetchPolicy) -> tuple[str, str, int]:
    """Scheme, host and port of ``url`` if the policy allows them; else :class:`FetchError`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (policy.allow_insecure and scheme == "http"):
        raise FetchError("only https URLs are fetched", code="fetch_scheme_not_allowed")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are not fetched", code="fetch_url_not_allowed")
    host = parts.hostname
    if not host:
        raise FetchError("URL has no host", code="fetch_url_not_allowed")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("bad port", code="fetch_url_not_allowed") from exc
    if policy.allowed_ports is not None and port not in policy.allowed_ports:
        raise FetchError("port not allowed", code="fetch_url_not_allowed")
    return scheme, host, port


_NAT64: Final = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # RFC 6052 well-known prefix
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # RFC 8215 local-use prefix
)
_IPV4_COMPATIBLE: Final = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d (RFC 4291)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, NAT64, Teredo, compatible): each is
    a way to reach an IPv4 host, so each must pass the same check (SECURITY D-01)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_allowed(address: str, policy: FetchPolicy) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]
    )
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    if policy.allow_insecure:
        return not ip.is_multicast and not ip.is_unspecified
    return ip.is_global and not ip.is_multicast


class SafeFetcher:
    """``await fetcher.get(url)`` → :class:`FetchResponse`, under the :class:`FetchPolicy`.

    ``resolver`` is injectable so tests can point a public-looking name at a given address.
    """

    def __init__(self, policy: FetchPolicy | None = None, *, resolver: Resolver | None = None):
        self.policy = policy or FetchPolicy()
        self._resolve = resolver or _system_resolve
        self.calls = 0  # outbound requests made (observability and the privacy tests)

    async def _pinned_address(self, host: str, port: int) -> str:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = await self._resolve(host, port)
            except OSError as exc:
                raise FetchError("host does not resolve", code="fetch_dns_failed") from exc
        if not addresses:
            raise FetchError("host does not resolve", code="fetch_dns_failed")
        # Every address must pass: a name that also points inside the network is refused.
        for address in addresses:
            if not _address_allowed(address, self.policy):
                raise FetchError(
                    "destination address is not allowed", code="fetch_address_not_allowed"
                )
        return addresses[0]

    async def get(self, url: str, *, accept: str = "*/*") -> FetchResponse:
        # One deadline for the whole exchange: DNS, every redirect hop and the body.
        try:
            return await asyncio.wait_for(self._get(url, accept), timeout=self.policy.timeout_s)
        except TimeoutError as exc:
            raise FetchError("fetch deadline exceeded", code="fetch_timeout") from exc

    async def post_form(
        self, url: str, data: Mapping[str, str], *, accept: str = "*/*"
    ) -> FetchResponse:
        """POST ``data`` form-encoded (e.g. a Back-Channel Logout token) under the same guard.

        Redirects are not followed: the answer of the first hop is returned.
        """
        scheme, host, port = check_url(url, self.policy)
        body = urlencode(dict(data)).encode("ascii")

        async def exchange() -> FetchResponse:
            address = await self._pinned_address(host, port)
            return await self._one(url, scheme, host, port, address, accept, body)

        try:
            return await asyncio.wait_for(exchange(), timeout=self.policy.timeout_s)
        except TimeoutError as exc:
            raise FetchError("fetch deadline exceeded", code="fetch_timeout") from exc

    async def _get(self, url: str, accept: str) -> FetchResponse:
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            scheme, host, port = check_url(current, self.policy)
            address = await self._pinned_address(host, port)
            response = await self._one(current, scheme, host, port, address, accept)
            if response.status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError("redirect without Location", code="fetch_bad_redirect")
                current = urljoin(current, location)
                continue
            return response
        raise FetchError("too many redirects", code="fetch_too_many_redirects")

    async def _one(
        self,
        url: str,
        scheme: str,
        host: str,
        port: int,
        address: str,
        accept: str,
        form_body: bytes | None = None,
    ) -> FetchResponse:
        # Connect to the checked address; the Host header and TLS SNI keep the name.
        ip_host = f"[{address}]" if ":" in address else address
        parts = urlsplit(url)
        pinned = parts._replace(netloc=f"{ip_host}:{port}").geturl()
        extensions = {"sni_hostname": host} if scheme == "https" else {}
        headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "Accept": accept}
        headers["User-Agent"] = self.policy.user_agent
        method = "GET"
        if form_body is not None:
            method = "POST"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.calls += 1
        try:
            async with (
                httpx2.AsyncClient(follow_redirects=False, trust_env=False) as client,
                client.stream(
                    method, pinned, headers=headers, extensions=extensions, content=form_body
                ) as response,
            ):
                declared = response.headers.get("content-length")
                if (
                    declared is not None
                    and declared.isdigit()
                    and (int(declared) > self.policy.max_bytes)
                ):
                    raise InputTooLarge("response too large", code="fetch_too_large")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.policy.max_bytes:
                        raise InputTooLarge("response too large", code="fetch_too_large")
                    chunks.append(chunk)
                return FetchResponse(
                    url=url,
                    status=response.status_code,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    content=b"".join(chunks),
                )
        except httpx2.HTTPError as exc:
            raise FetchError(f"fetch failed: {type(exc).__name__}", code="fetch_failed") from exc
