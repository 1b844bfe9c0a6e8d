"""``did:web`` (spec: ``shared/specs/did-web.md``): the DID ↔ https URL mapping, refusing hosts
that could reach private infrastructure.

The pure part of SSRF defence lives here: IP literals in any spelling (the spec: the identifier
"MUST NOT include IP addresses"), internal names, unexpected ports, dot-segments and any
percent-encoding other than the port colon are refused *before* anything connects. The fetcher in
the services must still check the connected IP (DNS rebinding) — this cannot be done purely.

>>> did_web_to_url("did:web:w3c-ccg.github.io:user:alice")
'https://w3c-ccg.github.io/user/alice/did.json'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sceau.core.dids.errors import InvalidDid

__all__ = [
    "BLOCKED_SUFFIXES",
    "DEFAULT_ALLOWED_PORTS",
    "DidWebLocation",
    "did_web_from_parts",
    "did_web_to_url",
    "parse_did_web",
]

DEFAULT_ALLOWED_PORTS: frozenset[int] = frozenset({443})
# Special-use and internal names (RFC 6761, RFC 6762, RFC 8375, ICANN .internal) and common
# private zones; configurable per call.
BLOCKED_SUFFIXES: frozenset[str] = frozenset(
    {
        "localhost",
        "local",
        "internal",
        "localdomain",
        "home.arpa",
        "arpa",
        "invalid",
        "onion",
        "lan",
        "intranet",
        "corp",
        "home",
    }
)
MAX_DID_WEB_LENGTH = 512
MAX_PATH_SEGMENTS = 16
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]{1,128}")
_PORT = re.compile(r"%3[Aa]([1-9][0-9]{0,4})")


@dataclass(frozen=True)
class DidWebLocation:
    """The parts of a ``did:web``: host, optional port, optional path segments."""

    did: str
    host: str
    port: int | None
    path: tuple[str, ...]

    @property
    def url(self) -> str:
        """§Read (Resolve) steps 1–5."""
        authority = self.host if self.port is None else f"{self.host}:{self.port}"
        path = "/".join(self.path) if self.path else ".well-known"
        return f"https://{authority}/{path}/did.json"


def _check_host(host: str, blocked_suffixes: Collection[str]) -> None:
    if len(host) > 253:
        raise InvalidDid("did:web host is too long")
    labels = host.split(".")
    if len(labels) < 2:  # a fully qualified domain name; also refuses "localhost", "2130706433"
        raise InvalidDid("did:web host must be a fully qualified domain name")
    for label in labels:
        if _LABEL.fullmatch(label) is None:
            raise InvalidDid("did:web host is not a lowercase DNS name")
    # A numeric top-level label means an IPv4 literal in some spelling (127.1, 0177.0.0.1,
    # 0x7f.0.0.1 ends in a digit-only label); no real TLD is numeric (RFC 3696 §2).
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        raise InvalidDid("did:web must not contain an IP address")
    for i in range(len(labels)):
        if ".".join(labels[i:]) in blocked_suffixes:
            raise InvalidDid("did:web host is an internal or special-use name")


def parse_did_web(
    did: str,
    *,
    allowed_ports: Collection[int] = DEFAULT_ALLOWED_PORTS,
    blocked_suffixes: Collection[str] = BLOCKED_SUFFIXES,
) -> DidWebLocation:
    """Validate a ``did:web`` and split it into host, port and path (no I/O)."""
    if not isinstance(did, str) or len(did) > MAX_DID_WEB_LENGTH or not did.startswith("did:web:"):
        raise InvalidDid("not a did:web")
    msid = did[len("did:web:") :]
    parts = msid.split(":")
    if len(parts) > MAX_PATH_SEGMENTS + 1:
        raise InvalidDid("did:web has too many path segments")
    domain, path = parts[0], parts[1:]
    port: int | None = None
    if "%" in domain:
        host, _, rest = domain.partition("%")
        m = _PORT.fullmatch("%" + rest)
        if m is None:  # only the port colon may be percent-encoded (§Method-specific identifier)
            raise InvalidDid("did:web host may only percent-encode the port colon")
        port = int(m.group(1))
        if port > 65535:
            raise InvalidDid("did:web port is out of range")
        if port not in allowed_ports:
            raise InvalidDid("did:web port is not allowed")
        if port == 443:
            port = None
    else:
        host = domain
    _check_host(host, blocked_suffixes)
    for seg in path:
        if _SEGMENT.fullmatch(seg) is None or seg in (".", ".."):
            raise InvalidDid("did:web path segment is empty or not allowed")
    return DidWebLocation(did=did, host=host, port=port, path=tuple(path))


def did_web_to_url(
    did: str,
    *,
    allowed_ports: Collection[int] = DEFAULT_ALLOWED_PORTS,
    blocked_suffixes: Collection[str] = BLOCKED_SUFFIXES,
) -> str:
    """The https URL of the DID document (§Read (Resolve) steps 1–5); refuses unsafe DIDs."""
    return parse_did_web(did, allowed_ports=allowed_ports, blocked_suffixes=blocked_suffixes).url


def did_web_from_parts(
    host: str,
    path: Sequence[str] = (),
    *,
    port: int | None = None,
    allowed_ports: Collection[int] = DEFAULT_ALLOWED_PORTS,
) -> str:
    """Build the ``did:web`` a tenant publishes at ``https://host[:port]/path/did.json``."""
    did = "did:web:" + host.lower()
    if port is not None and port != 443:
        did += f"%3A{port}"
    if path:
        did += ":" + ":".join(path)
    parse_did_web(did, allowed_ports=set(allowed_ports) | ({port} if port else set()))
    return did
