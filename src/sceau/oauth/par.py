"""Pushed Authorization Requests (RFC 9126): parsing and checking of the pushed parameters, pure.

HAIP 1.0 requires PAR and PKCE ``S256`` for the authorization code flow; OpenID4VCI §5.1 adds
``authorization_details`` of type ``openid_credential`` (RFC 9396), ``scope`` values naming
credential configurations, and ``issuer_state``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from sceau.core.encoding import json_loads
from sceau.core.errors import SceauError
from sceau.errors import OAuthError

REQUEST_URI_PREFIX: Final = "urn:ietf:params:oauth:request_uri:"
OPENID_CREDENTIAL: Final = "openid_credential"
MAX_PARAM: Final = 2048
MAX_AUTHORIZATION_DETAILS: Final = 8
# RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters.
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CLIENT_ID = re.compile(r"^[\x21-\x7e]{1,255}$")
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,128}$")


@dataclass(frozen=True, slots=True)
class PushedRequest:
    client_id: str
    redirect_uri: str
    code_challenge: str
    state: str | None
    configuration_ids: list[str]
    # True when the wallet asked with authorization_details (the token response then echoes them).
    used_authorization_details: bool
    issuer_state: str | None


def _redirect_uri(value: str) -> str:
    parts = urlsplit(value)
    # RFC 6749 §3.1.2: an absolute URI without fragment. Custom schemes are allowed for wallets
    # (RFC 8252 §7.1); plain http only for loopback (RFC 8252 §7.3).
    if not parts.scheme or parts.fragment or len(value) > MAX_PARAM:
        raise OAuthError("invalid_request", parameter="redirect_uri")
    if parts.scheme in ("javascript", "data", "file", "vbscript"):
        raise OAuthError("invalid_request", parameter="redirect_uri")
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise OAuthError("invalid_request", parameter="redirect_uri")
    return value


def _authorization_details(raw: str, known: Collection[str]) -> list[str]:
    try:
        value = json_loads(raw.encode("utf-8"), max_bytes=MAX_PARAM, max_depth=8)
    except SceauError as exc:
        raise OAuthError("invalid_authorization_details") from exc
    if not isinstance(value, list) or not 0 < len(value) <= MAX_AUTHORIZATION_DETAILS:
        raise OAuthError("invalid_authorization_details")
    ids: list[str] = []
    for item in value:
        # OpenID4VCI §5.1.1: type openid_credential with credential_configuration_id.
        if not isinstance(item, dict) or item.get("type") != OPENID_CREDENTIAL:
            raise OAuthError("invalid_authorization_details")
        config_id = item.get("credential_configuration_id")
        if not isinstance(config_id, str) or config_id not in known or config_id in ids:
            raise OAuthError("invalid_authorization_details")
        ids.append(config_id)
    return ids


def parse_pushed_request(
    params: Mapping[str, str], *, known_configurations: Collection[str]
) -> PushedRequest:
    """Check one pushed authorization request (RFC 9126 §2.1, RFC 6749 §4.1.1, RFC 7636 §4.3).

    ``known_configurations`` are the tenant's credential configuration ids (each is also the
    ``scope`` value of its configuration). Raises :class:`OAuthError` with the RFC's code.
    """
    if any(len(v) > MAX_PARAM for v in params.values()):
        raise OAuthError("invalid_request")
    if "request_uri" in params:  # RFC 9126 §2.1: MUST NOT be provided
        raise OAuthError("invalid_request", parameter="request_uri")
    if "request" in params:  # no JAR support
        raise OAuthError("request_not_supported")
    client_id = params.get("client_id", "")
    if not _CLIENT_ID.fullmatch(client_id):
        raise OAuthError("invalid_request", parameter="client_id")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type")
    redirect_uri = _redirect_uri(params.get("redirect_uri", ""))
    # PKCE S256 only (HAIP §4; RFC 7636 §4.4.1 answers a missing or refused method this way).
    challenge = params.get("code_challenge")
    if challenge is None or params.get("code_challenge_method") != "S256":
        raise OAuthError("invalid_request", parameter="code_challenge")
    if not _CHALLENGE.fullmatch(challenge):
        raise OAuthError("invalid_request", parameter="code_challenge")
    ids: list[str] = []
    details = params.get("authorization_details")
    if details is not None:
        ids = _authorization_details(details, known_configurations)
    scope = params.get("scope")
    if scope is not None:
        # OpenID4VCI §5.1.2: each scope value names a configuration's `scope`; unknown values
        # the AS does not understand are refused rather than silently dropped.
        tokens = scope.split(" ")
        if not all(_SCOPE_TOKEN.fullmatch(t) for t in tokens):
            raise OAuthError("invalid_scope")
        for token in tokens:
            if token == "openid":  # noqa: S105 (a scope value, not a secret)
                continue
            if token not in known_configurations:
                raise OAuthError("invalid_scope")
            if token not in ids:
                ids.append(token)
    if not ids:
        raise OAuthError("invalid_request", parameter="scope")
    state = params.get("state")
    issuer_state = params.get("issuer_state")
    return PushedRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        state=state,
        configuration_ids=ids,
        used_authorization_details=details is not None,
        issuer_state=issuer_state,
    )


def as_form(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Form pairs as a dict; a repeated parameter is ``invalid_request`` (RFC 6749 §3.1)."""
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out:
            raise OAuthError("invalid_request", parameter=name)
        out[name] = value
    return out


def request_details(ids: list[str]) -> list[dict[str, Any]]:
    """``authorization_details`` for the token response (OpenID4VCI §6.2): each configuration with
    its ``credential_identifiers`` (one dataset per configuration, named by the configuration)."""
    return [
        {
            "type": OPENID_CREDENTIAL,
            "credential_configuration_id": i,
            "credential_identifiers": [i],
        }
        for i in ids
    ]
