"""OpenID4VCI 1.0 client (wallet side): pre-authorized code flow with DPoP, c_nonce, ``jwt``
key proofs, batch issuance, encrypted credential requests and responses, and notification.

>>> # async with WalletHttp() as http:
>>> #     await receive_offer(http, store, "openid-credential-offer://?...", tx_code="1234")
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import msgspec

from sceau.core.dcql import holder_credential_from_sd_jwt
from sceau.core.dids.did_jwk import did_jwk_from_jwk
from sceau.core.encoding import b64url_encode
from sceau.core.errors import InputTooLarge, InvalidInput, SceauError
from sceau.core.jose import (
    SoftwareSigner,
    generate_private_key,
    jwe_decrypt,
    jwe_encrypt_ecdh_es,
    public_jwk,
    public_key_from_jwk,
    sign_compact_sync,
)
from sceau.core.sdjwt import verify_sd_jwt_vc
from sceau.core.vc.jose import verify_vc_jwt_with_resolver
from sceau.core.vc.verification import verify_credential
from sceau.wallet._dids import WalletDidResolver
from sceau.wallet._http import WalletHttp
from sceau.wallet.errors import IssuanceFailed
from sceau.wallet.store import StoredCredential, WalletStore, new_credential_id

__all__ = [
    "PRE_AUTHORIZED_GRANT",
    "CredentialOffer",
    "Received",
    "issuer_metadata_url",
    "parse_offer_uri",
    "receive_offer",
    "receive_with_authorization",
    "resolve_offer",
]

PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME: Final = "openid-credential-offer"
MAX_OFFER_URI_LENGTH: Final = 8 * 1024
MAX_TX_CODE_LENGTH: Final = 64
PROOF_TYP: Final = "openid4vci-proof+jwt"
JWT_MEDIA: Final = "application/jwt"
# How long receive waits for a deferred credential (§9) before giving up with issuance_pending.
DEFAULT_DEFERRED_WAIT_S: Final = 60.0


@dataclass(frozen=True)
class CredentialOffer:
    """A resolved Credential Offer (§4.1.1)."""

    credential_issuer: str
    configuration_ids: tuple[str, ...]
    # Exactly one of the two grants is used: the pre-authorized code when the offer has one, else
    # the authorization code flow with the offer's issuer_state (None: the offer gave none).
    pre_authorized_code: str | None
    tx_code: dict[str, Any] | None  # the offer's tx_code object: input_mode, length, description
    issuer_state: str | None = None


@dataclass(frozen=True)
class Received:
    """What one ``receive`` stored: credential ids per configuration, and the display."""

    credential_issuer: str
    credentials: tuple[StoredCredential, ...]
    encrypted_response: bool


def parse_offer_uri(uri: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(offer, None)`` for an offer by value, ``(None, url)`` by reference (§4.1.2, §4.1.3)."""
    if len(uri) > MAX_OFFER_URI_LENGTH:
        raise InputTooLarge("credential offer URI", limit=MAX_OFFER_URI_LENGTH)
    parts = urlsplit(uri.strip())
    query = parse_qs(parts.query, max_num_fields=8)
    if "credential_offer" in query:
        try:
            offer = msgspec.json.decode(query["credential_offer"][0])
        except msgspec.DecodeError as exc:
            raise InvalidInput("credential_offer is not JSON", code="invalid_offer") from exc
        if not isinstance(offer, dict):
            raise InvalidInput("credential_offer is not an object", code="invalid_offer")
        return offer, None
    if "credential_offer_uri" in query:
        return None, query["credential_offer_uri"][0]
    if parts.scheme == "https" or parts.scheme == "http":
        return None, uri  # the offer object's own URL
    raise InvalidInput("not a credential offer URI", code="invalid_offer")


def _offer(raw: dict[str, Any]) -> CredentialOffer:
    issuer = raw.get("credential_issuer")
    ids = raw.get("credential_configuration_ids")
    grants = raw.get("grants") or {}
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if not isinstance(issuer, str) or not isinstance(ids, list) or not ids:
        raise InvalidInput(
            "offer lacks credential_issuer or configuration ids", code="invalid_offer"
        )
    if not all(isinstance(i, str) for i in ids):
        raise InvalidInput("credential_configuration_ids must be strings", code="invalid_offer")
    if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
        # §4.1.1: an issuer-initiated authorization code flow, bound by issuer_state if given.
        authorization = grants.get("authorization_code") if isinstance(grants, dict) else None
        if not isinstance(authorization, dict):
            raise InvalidInput(
                "the offer has neither a pre-authorized code nor an authorization code grant",
                code="unsupported_grant",
            )
        state = authorization.get("issuer_state")
        if state is not None and (not isinstance(state, str) or len(state) > 2048):
            raise InvalidInput("issuer_state must be a string", code="invalid_offer")
        return CredentialOffer(issuer, tuple(ids), None, None, state)
    tx_code = grant.get("tx_code")
    return CredentialOffer(
        issuer,
        tuple(ids),
        grant["pre-authorized_code"],
        tx_code if isinstance(tx_code, dict) else None,
    )


async def resolve_offer(http: WalletHttp, uri: str) -> CredentialOffer:
    raw, url = parse_offer_uri(uri)
    if raw is None:
        assert url is not None
        response = await http.get(url, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise IssuanceFailed(f"offer URI answered {response.status_code}", code="invalid_offer")
        raw = _json_object(response)
    return _offer(raw)


def issuer_metadata_url(issuer: str, name: str = "openid-credential-issuer") -> str:
    """§12.2.2 / RFC 8414 §3: ``.well-known/<name>`` goes between host and path."""
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{name}{parts.path.rstrip('/')}"


def _json_object(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError as exc:
        raise IssuanceFailed("the issuer did not answer JSON", code="invalid_response") from exc
    if not isinstance(body, dict):
        raise IssuanceFailed("the issuer did not answer a JSON object", code="invalid_response")
    return body


def _oauth_error(response: httpx2.Response, step: str) -> IssuanceFailed:
    try:
        body = msgspec.json.decode(response.content)
        code = str(body.get("error", "server_error")) if isinstance(body, dict) else "server_error"
        description = body.get("error_description", "") if isinstance(body, dict) else ""
    except msgspec.DecodeError:
        code, description = "server_error", ""
    return IssuanceFailed(f"{step}: HTTP {response.status_code} {description}".strip(), code=code)


@dataclass
class _Session:
    """One issuance: the DPoP key, access token and the server's latest DPoP nonce."""

    http: WalletHttp
    dpop_key: SoftwareSigner
    clock: Callable[[], float]
    access_token: str | None = None
    dpop_nonce: str | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # configuration id -> credential_identifiers from the Token Response (§6.2), when returned.
    credential_identifiers: dict[str, list[str]] = field(default_factory=dict)

    def dpop(self, method: str, url: str) -> str:
        # RFC 9449 §4.2: htm, htu (no query/fragment), iat, jti; ath with an access token.
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method,
            "htu": url.split("?", 1)[0].split("#", 1)[0],
            "iat": int(self.clock()),
        }
        if self.access_token is not None:
            digest = hashlib.sha256(self.access_token.encode()).digest()
            claims["ath"] = b64url_encode(digest)
        if self.dpop_nonce is not None:
            claims["nonce"] = self.dpop_nonce
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.dpop_key.public_jwk}
        return sign_compact_sync(header, claims, self.dpop_key)

    async def post(self, url: str, **kwargs: Any) -> httpx2.Response:
        """POST with a DPoP proof; retry once with the server's nonce (RFC 9449 §8)."""
        for _attempt in range(2):
            headers = dict(kwargs.pop("headers", {}) or {})
            headers["DPoP"] = self.dpop("POST", url)
            if self.access_token is not None:
                headers["Authorization"] = f"DPoP {self.access_token}"
            response = await self.http.post(url, headers=headers, **kwargs)
            kwargs["headers"] = {k: v for k, v in headers.items() if k not in ("DPoP",)}
            nonce = response.headers.get("dpop-nonce")
            if nonce:
                self.dpop_nonce = nonce
            if (
                response.status_code in (400, 401)
                and nonce
                and _error_code(response) == "use_dpop_nonce"
            ):
                continue
            return response
        return response


def _error_code(response: httpx2.Response) -> str:
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


async def receive_offer(
    http: WalletHttp,
    store: WalletStore,
    offer_uri: str,
    *,
    tx_code: str | None = None,
    batch_size: int = 1,
    encrypt_response: bool = True,
    deferred_wait_s: float = DEFAULT_DEFERRED_WAIT_S,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Received:
    """Run the pre-authorized code flow for every offered configuration and store the results.

    ``batch_size``: how many credentials (each bound to its own new key) to ask for per
    configuration, capped by the issuer's ``batch_credential_issuance.batch_size`` (§8.2).
    The store is not saved here; the caller saves it once everything went well.
    """
    if tx_code is not None and len(tx_code) > MAX_TX_CODE_LENGTH:
        raise InputTooLarge("tx_code", limit=MAX_TX_CODE_LENGTH)
    offer = await resolve_offer(http, offer_uri)
    if offer.pre_authorized_code is None:
        raise InvalidInput(
            "this offer uses the authorization code flow (receive_with_authorization)",
            code="unsupported_grant",
        )
    if offer.tx_code is not None and tx_code is None:
        raise InvalidInput(
            "this offer needs a transaction code (--tx-code)", code="tx_code_required"
        )
    issuer = offer.credential_issuer
    endpoints = await discover_issuer(http, issuer)
    session = _Session(
        http, SoftwareSigner(generate_private_key("ES256"), "ES256"), clock, sleep=sleep
    )
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": offer.pre_authorized_code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    await _token(session, endpoints, form)
    return await _issue(
        session,
        store,
        endpoints,
        offer.configuration_ids,
        batch_size=batch_size,
        encrypt_response=encrypt_response,
        wait_s=deferred_wait_s,
    )


@dataclass(frozen=True)
class IssuerEndpoints:
    """What the wallet learnt from the issuer's and its authorization server's metadata."""

    issuer: str
    metadata: dict[str, Any]
    authorization_server: dict[str, Any]

    @property
    def token_endpoint(self) -> str:
        return str(self.authorization_server["token_endpoint"])


async def discover_issuer(http: WalletHttp, issuer: str) -> IssuerEndpoints:
    """§12.2.2 Credential Issuer Metadata and RFC 8414 Authorization Server Metadata."""
    http.check_url(issuer)
    meta_response = await http.get(issuer_metadata_url(issuer))
    if meta_response.status_code != 200:
        raise _oauth_error(meta_response, "issuer metadata")
    metadata = _json_object(meta_response)
    if metadata.get("credential_issuer") != issuer:
        # §12.2.3: the metadata must be for the issuer the offer names.
        raise IssuanceFailed("issuer metadata names another issuer", code="invalid_metadata")
    as_issuer = str((metadata.get("authorization_servers") or [issuer])[0])
    as_response = await http.get(issuer_metadata_url(as_issuer, "oauth-authorization-server"))
    if as_response.status_code != 200:
        raise _oauth_error(as_response, "authorization server metadata")
    as_metadata = _json_object(as_response)
    if as_metadata.get("issuer") != as_issuer:
        # RFC 8414 §3.3: the metadata's issuer is the one it was fetched for.
        raise IssuanceFailed("authorization server metadata mismatch", code="invalid_metadata")
    return IssuerEndpoints(issuer, metadata, as_metadata)


async def _token(session: _Session, endpoints: IssuerEndpoints, form: dict[str, str]) -> None:
    token_response = await session.post(endpoints.token_endpoint, data=form)
    if token_response.status_code != 200:
        raise _oauth_error(token_response, "token")
    token = _json_object(token_response)
    if str(token.get("token_type", "")).lower() != "dpop":
        raise IssuanceFailed("the access token is not DPoP-bound", code="invalid_response")
    session.access_token = str(token["access_token"])
    session.credential_identifiers = _credential_identifiers(token.get("authorization_details"))


def _credential_identifiers(details: Any) -> dict[str, list[str]]:
    """``authorization_details`` of a Token Response → identifiers per configuration (§6.2)."""
    if details is None:
        return {}
    if not isinstance(details, list):
        raise IssuanceFailed("authorization_details is not an array", code="invalid_response")
    out: dict[str, list[str]] = {}
    for detail in details:
        if not isinstance(detail, dict) or detail.get("type") != "openid_credential":
            continue
        cid, ids = detail.get("credential_configuration_id"), detail.get("credential_identifiers")
        if not isinstance(cid, str) or not isinstance(ids, list) or not ids:
            raise IssuanceFailed("credential_identifiers missing", code="invalid_response")
        if not all(isinstance(i, str) for i in ids):
            raise IssuanceFailed("credential_identifiers must be strings", code="invalid_response")
        out[cid] = list(ids)
    return out


async def _issue(
    session: _Session,
    store: WalletStore,
    endpoints: IssuerEndpoints,
    configuration_ids: Sequence[str],
    *,
    batch_size: int,
    encrypt_response: bool,
    wait_s: float = DEFAULT_DEFERRED_WAIT_S,
) -> Received:
    """Nonce, key proofs and the credential request for each configuration (§7, §8, §11)."""
    http, clock, issuer, metadata = (
        session.http,
        session.clock,
        endpoints.issuer,
        endpoints.metadata,
    )
    credential_endpoint = str(metadata["credential_endpoint"])
    nonce_endpoint = metadata.get("nonce_endpoint")
    supported = metadata.get("credential_configurations_supported") or {}
    max_batch = int((metadata.get("batch_credential_issuance") or {}).get("batch_size", 1))
    wanted = max(1, min(batch_size, max_batch))
    encryption = metadata.get("credential_response_encryption")
    request_key = _request_encryption(metadata)

    def encode(request: dict[str, Any]) -> dict[str, Any]:
        """The POST of a (Deferred) Credential Request: a JWE when it carries response
        encryption parameters (§8.2, §9.1) or when the issuer requires it (§12.2.4)."""
        plain = msgspec.json.encode(request)
        if request_key is None or not (
            "credential_response_encryption" in request or request_key.required
        ):
            return {"content": plain, "headers": {"Content-Type": "application/json"}}
        return {"content": request_key.encrypt(plain), "headers": {"Content-Type": JWT_MEDIA}}

    stored: list[StoredCredential] = []
    encrypted_any = False
    for configuration_id in configuration_ids:
        configuration = supported.get(configuration_id)
        if not isinstance(configuration, dict):
            raise IssuanceFailed(
                f"unknown configuration {configuration_id}", code="invalid_metadata"
            )
        nonce: str | None = None
        if nonce_endpoint:
            nonce_response = await http.post(str(nonce_endpoint))
            if nonce_response.status_code != 200:
                raise _oauth_error(nonce_response, "nonce")
            nonce = str(_json_object(nonce_response)["c_nonce"])
        keys = [store.new_key() for _ in range(wanted)]
        proofs = [_key_proof(k, issuer, nonce, int(clock())) for k in keys]
        body: dict[str, Any] = {"proofs": {"jwt": proofs}}
        identifiers = session.credential_identifiers.get(configuration_id)
        if identifiers:
            # §8.2: the first Credential Dataset of the configuration (Sceau returns one).
            body["credential_identifier"] = identifiers[0]
        else:
            body["credential_configuration_id"] = configuration_id
        enc_key = None
        # §8.2: asking for an encrypted response obliges the wallet to encrypt the request, so
        # it asks only when the issuer also takes encrypted requests.
        if encrypt_response and isinstance(encryption, dict) and request_key is not None:
            algs = encryption.get("alg_values_supported") or []
            encs = encryption.get("enc_values_supported") or []
            if "ECDH-ES" in algs and encs:
                enc_key = generate_private_key("ES256")
                jwk = {**public_jwk(enc_key), "alg": "ECDH-ES", "kid": secrets.token_hex(8)}
                enc = "A256GCM" if "A256GCM" in encs else str(encs[0])
                body["credential_response_encryption"] = {"jwk": jwk, "enc": enc}
        response = await session.post(credential_endpoint, **encode(body))

        def decode(answer: httpx2.Response, enc_key: Any = enc_key) -> dict[str, Any]:
            # §10: with response encryption, 200 and 202 bodies are JWEs (application/jwt).
            if enc_key is None:
                return _json_object(answer)
            if not answer.headers.get("content-type", "").startswith("application/jwt"):
                raise IssuanceFailed(
                    "encryption was asked for but the response is plaintext",
                    code="invalid_response",
                )
            try:
                _header, plaintext = jwe_decrypt(answer.text, enc_key)
                decoded = msgspec.json.decode(plaintext)
            except (SceauError, msgspec.DecodeError) as exc:
                raise IssuanceFailed(
                    "cannot decrypt the credential response", code="invalid_response"
                ) from exc
            if not isinstance(decoded, dict):
                raise IssuanceFailed("credential response is malformed", code="invalid_response")
            return decoded

        if response.status_code == 202:
            response = await _await_deferred(
                session,
                endpoints,
                decode(response),
                body.get("credential_response_encryption"),
                wait_s,
                decode,
                encode,
            )
        if response.status_code != 200:
            raise _oauth_error(response, "credential")
        result = decode(response)
        encrypted_any = encrypted_any or enc_key is not None  # decode() refused plaintext
        items = result.get("credentials") if isinstance(result, dict) else None
        if not isinstance(items, list) or len(items) != len(keys):
            raise IssuanceFailed("credential response is malformed", code="invalid_response")
        fmt = str(configuration.get("format"))
        notice = (metadata.get("notification_endpoint"), result.get("notification_id"))
        try:
            for item, key in zip(items, keys, strict=True):
                credential = item.get("credential") if isinstance(item, dict) else None
                if credential is None:
                    raise IssuanceFailed(
                        "credential response is malformed", code="invalid_response"
                    )
                claims = await _check_and_read(http, fmt, credential, issuer, key, clock())
                stored.append(
                    StoredCredential(
                        id=new_credential_id(),
                        format=fmt,
                        credential=credential,
                        key_id=store.key_id(key),
                        issuer=issuer,
                        configuration_id=configuration_id,
                        received_at=int(clock()),
                        display=list(
                            configuration.get("credential_metadata", {}).get("display", [])
                            or configuration.get("display", [])
                            or []
                        ),
                        claims=claims,
                    )
                )
        except IssuanceFailed:
            await _notify(session, *notice, "credential_failure")
            raise
        await _notify(session, *notice, "credential_accepted")
    for credential in stored:
        store.add(credential)
    return Received(issuer, tuple(stored), encrypted_any)


async def _notify(session: _Session, endpoint: Any, notification_id: Any, event: str) -> None:
    """§11: tell the issuer whether the credentials were stored; a lost notice loses nothing."""
    if isinstance(endpoint, str) and isinstance(notification_id, str):
        await session.post(
            endpoint,
            content=msgspec.json.encode({"notification_id": notification_id, "event": event}),
            headers={"Content-Type": "application/json"},
        )


Browser = Callable[[str], Awaitable[str]]
"""Shows the authorization URL to the person (a browser) and returns the URL the authorization
server redirected back to (``redirect_uri?code=...&state=...&iss=...``)."""

DEFAULT_CLIENT_ID: Final = "sceau-reference-wallet"


async def receive_with_authorization(
    http: WalletHttp,
    store: WalletStore,
    issuer: str,
    configuration_ids: Sequence[str],
    *,
    browser: Browser,
    redirect_uri: str,
    client_id: str = DEFAULT_CLIENT_ID,
    issuer_state: str | None = None,
    batch_size: int = 1,
    encrypt_response: bool = True,
    deferred_wait_s: float = DEFAULT_DEFERRED_WAIT_S,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Received:
    """Authorization code flow (§3.4, §5): PAR with PKCE S256 and ``authorization_details``,
    the person authenticates in ``browser``, then the code is redeemed with DPoP.

    The wallet is a public client (``token_endpoint_auth_methods_supported: none``).
    """
    if not configuration_ids:
        raise InvalidInput("name at least one credential configuration", code="invalid_request")
    endpoints = await discover_issuer(http, issuer)
    asm = endpoints.authorization_server
    par_endpoint = asm.get("pushed_authorization_request_endpoint")
    authorization_endpoint = asm.get("authorization_endpoint")
    if not isinstance(authorization_endpoint, str):
        raise IssuanceFailed("the issuer has no authorization endpoint", code="unsupported_grant")
    verifier = secrets.token_urlsafe(48)
    challenge = b64url_encode(hashlib.sha256(verifier.encode()).digest())
    state = secrets.token_urlsafe(24)
    details = [
        {"type": "openid_credential", "credential_configuration_id": cid}
        for cid in configuration_ids
    ]
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        "authorization_details": msgspec.json.encode(details).decode(),
    }
    if issuer_state is not None:
        params["issuer_state"] = issuer_state
    if isinstance(par_endpoint, str):
        # RFC 9126 §2: push the request; only request_uri and client_id go through the browser.
        pushed = await http.post(par_endpoint, data=params)
        if pushed.status_code not in (200, 201):
            raise _oauth_error(pushed, "pushed authorization request")
        front = {"client_id": client_id, "request_uri": str(_json_object(pushed)["request_uri"])}
    elif asm.get("require_pushed_authorization_requests"):
        raise IssuanceFailed("PAR required but no PAR endpoint", code="invalid_metadata")
    else:
        front = params
    http.check_url(authorization_endpoint)
    back = await browser(f"{authorization_endpoint}?{urlencode(front)}")
    if back.split("?", 1)[0] != redirect_uri.split("?", 1)[0]:
        raise IssuanceFailed("the browser came back elsewhere", code="invalid_response")
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back).query, max_num_fields=16).items()}
    if answer.get("state") != state:
        # RFC 6749 §10.12: a response to another request (CSRF).
        raise IssuanceFailed("state mismatch in the authorization response", code="invalid_state")
    if "iss" in answer and answer["iss"] != asm.get("issuer"):
        # RFC 9207 §2.4: mix-up defence.
        raise IssuanceFailed("iss mismatch in the authorization response", code="invalid_response")
    if "error" in answer or "code" not in answer:
        raise IssuanceFailed("authorization refused", code=answer.get("error", "access_denied"))
    session = _Session(
        http, SoftwareSigner(generate_private_key("ES256"), "ES256"), clock, sleep=sleep
    )
    await _token(
        session,
        endpoints,
        {
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )
    return await _issue(
        session,
        store,
        endpoints,
        configuration_ids,
        batch_size=batch_size,
        encrypt_response=encrypt_response,
        wait_s=deferred_wait_s,
    )


async def _await_deferred(
    session: _Session,
    endpoints: IssuerEndpoints,
    pending: dict[str, Any],
    encryption: Any,
    wait_s: float,
    decode: Callable[[httpx2.Response], dict[str, Any]],
    encode: Callable[[dict[str, Any]], dict[str, Any]],
) -> httpx2.Response:
    """§9: poll the Deferred Credential Endpoint every ``interval`` seconds, up to ``wait_s``."""
    transaction_id = pending.get("transaction_id")
    endpoint = endpoints.metadata.get("deferred_credential_endpoint")
    if not isinstance(transaction_id, str) or not isinstance(endpoint, str):
        raise IssuanceFailed("deferred answer without transaction_id", code="invalid_response")
    deadline = session.clock() + wait_s
    while True:
        interval = pending.get("interval", 5)
        interval = interval if isinstance(interval, int) and 0 < interval <= 3600 else 5
        if session.clock() + interval > deadline:
            raise IssuanceFailed(
                f"the issuer is still preparing the credential (transaction {transaction_id})",
                code="issuance_pending",
            )
        await session.sleep(interval)
        request: dict[str, Any] = {"transaction_id": transaction_id}
        if encryption is not None:
            request["credential_response_encryption"] = encryption
        response = await session.post(endpoint, **encode(request))
        if response.status_code != 202:
            return response
        pending = decode(response)


@dataclass(frozen=True)
class _RequestEncryption:
    """The issuer's ``credential_request_encryption`` (§12.2.4): one ECDH-ES key, one enc."""

    jwk: dict[str, Any]
    kid: str
    enc: str
    required: bool

    def encrypt(self, plaintext: bytes) -> bytes:
        # §10 (#encrypted-messages): alg = the JWK's alg, kid = the JWK's kid.
        try:
            token = jwe_encrypt_ecdh_es(
                plaintext, self.jwk, enc=self.enc, extra_header={"kid": self.kid}
            )
        except SceauError as exc:
            raise IssuanceFailed(
                "the issuer's request encryption key is unusable", code="invalid_metadata"
            ) from exc
        return token.encode("ascii")


def _request_encryption(metadata: dict[str, Any]) -> _RequestEncryption | None:
    """The first usable key of ``credential_request_encryption``, or None (not offered)."""
    info = metadata.get("credential_request_encryption")
    if not isinstance(info, dict):
        return None
    jwks = info.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    encs = info.get("enc_values_supported")
    if not isinstance(keys, list) or not isinstance(encs, list):
        return None
    enc = next((e for e in ("A256GCM", "A128GCM") if e in encs), None)
    key = next(
        (
            k
            for k in keys
            if isinstance(k, dict)
            and k.get("kty") == "EC"
            and k.get("alg") == "ECDH-ES"
            and k.get("use", "enc") == "enc"
            and isinstance(k.get("kid"), str)
        ),
        None,
    )
    if key is None or enc is None:
        if info.get("encryption_required") is True:
            raise IssuanceFailed(
                "the issuer requires request encryption this wallet cannot do",
                code="invalid_metadata",
            )
        return None
    # The key import knows signature algorithms only: the JWK's alg names the key agreement.
    jwk = {k: v for k, v in key.items() if k not in ("alg", "use", "kid")}
    return _RequestEncryption(jwk, str(key["kid"]), enc, info.get("encryption_required") is True)


def _key_proof(key: SoftwareSigner, audience: str, nonce: str | None, iat: int) -> str:
    """Appendix F.1 proof: typ, ES256, the holder key in ``jwk``; aud = issuer; c_nonce."""
    claims: dict[str, Any] = {"aud": audience, "iat": iat}
    if nonce is not None:
        claims["nonce"] = nonce
    header = {"typ": PROOF_TYP, "alg": "ES256", "jwk": key.public_jwk}
    return sign_compact_sync(header, claims, key)


async def _check_and_read(
    http: WalletHttp, fmt: str, credential: Any, issuer: str, key: SoftwareSigner, now: float
) -> dict[str, Any]:
    """Verify what can be verified before storing; return the claims for display."""
    if fmt == "dc+sd-jwt":
        if not isinstance(credential, str):
            raise IssuanceFailed("an SD-JWT VC is a string", code="invalid_response")
        keys = await _jwt_vc_issuer_keys(http, issuer)
        errors: list[SceauError] = []
        for jwk in keys:
            try:
                verified = verify_sd_jwt_vc(
                    credential,
                    public_key_from_jwk(jwk),
                    require_key_binding=False,
                    allow_key_binding=False,
                )
            except SceauError as exc:
                errors.append(exc)
                continue
            if verified.iss != issuer or (verified.cnf or {}).get("jwk") != dict(key.public_jwk):
                raise IssuanceFailed(
                    "credential not bound to our key or issuer", code="invalid_response"
                )
            return dict(holder_credential_from_sd_jwt(credential, credential_id="c").claims)
        raise IssuanceFailed(
            f"the SD-JWT VC does not verify with the issuer's keys ({errors[:1]})",
            code="invalid_credential",
        )
    holder_did = did_jwk_from_jwk(dict(key.public_jwk))
    resolver = WalletDidResolver(http)
    try:
        if fmt == "ldp_vc" and isinstance(credential, dict):
            result = await verify_credential(credential, _MethodResolver(resolver), now=now)
            if not result.verified:
                raise IssuanceFailed(
                    "the credential's proof does not verify", code="invalid_credential"
                )
            document = dict(result.document)
        elif fmt == "jwt_vc_json" and isinstance(credential, str):
            jose = await verify_vc_jwt_with_resolver(credential, resolver, now=int(now))
            document = jose.document
        else:
            raise IssuanceFailed(f"unexpected {fmt} credential", code="invalid_response")
    except SceauError as exc:
        if isinstance(exc, IssuanceFailed):
            raise
        raise IssuanceFailed(
            f"the credential does not verify: {exc}", code="invalid_credential"
        ) from exc
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("id") != holder_did:
        # The holder binding of a W3C credential is its subject id: the did:jwk of our key.
        raise IssuanceFailed("credential not bound to our key", code="invalid_response")
    return dict(subject)


@dataclass(frozen=True)
class _MethodResolver:
    """Data Integrity verification methods through the wallet's DID resolver."""

    dids: WalletDidResolver

    async def resolve(self, method_id: str, purpose: str) -> Any:
        return await self.dids.key(method_id, purpose)


async def _jwt_vc_issuer_keys(http: WalletHttp, issuer: str) -> list[dict[str, Any]]:
    """SD-JWT VC §"JWT VC Issuer Metadata": ``jwks`` (inline) of the issuer."""
    response = await http.get(issuer_metadata_url(issuer, "jwt-vc-issuer"))
    if response.status_code != 200:
        raise _oauth_error(response, "jwt-vc-issuer metadata")
    meta = _json_object(response)
    if meta.get("issuer") != issuer:
        raise IssuanceFailed("jwt-vc-issuer metadata names another issuer", code="invalid_metadata")
    jwks = meta.get("jwks")
    if not isinstance(jwks, dict) and isinstance(meta.get("jwks_uri"), str):
        jwks = _json_object(await http.get(meta["jwks_uri"]))
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise IssuanceFailed("the issuer publishes no keys", code="invalid_metadata")
    return [k for k in keys if isinstance(k, dict)]
