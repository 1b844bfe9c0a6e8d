"""OpenID4VP 1.0 client (wallet side): resolve the request, check who asks, pick the minimum
disclosures the DCQL query needs, answer with ``direct_post`` or ``direct_post.jwt``.

>>> # request = await fetch_request(http, "openid4vp://?client_id=...&request_uri=...",
>>> #                               trust_anchors=[root_cert])
>>> # plan = plan_presentation(request, store)        # show plan.items to the person
>>> # answer = await send_presentation(http, request, plan, store)
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import msgspec
from cryptography import x509
from cryptography.x509 import verification as x509v

from sceau.core.dcql import (
    CredentialMatch,
    HolderCredential,
    evaluate_dcql_query,
    holder_credential_from_sd_jwt,
    parse_dcql_query,
    presentation_for_match,
)
from sceau.core.dids.did_jwk import did_jwk_from_jwk
from sceau.core.errors import InputTooLarge, InvalidInput, SceauError
from sceau.core.jose import (
    SoftwareSigner,
    decode_compact_unverified,
    jwe_encrypt_ecdh_es,
    sign_compact_sync,
    verify_compact,
)
from sceau.core.sdjwt import kb_jwt_payload
from sceau.core.vc import add_proof_sync
from sceau.core.vc.jose import enveloped_credential, sign_vp_jwt
from sceau.core.x509_hash import x509_hash
from sceau.core.x509_signer import signing_ee_policy
from sceau.wallet._dids import WalletDidResolver
from sceau.wallet._http import WalletHttp
from sceau.wallet.errors import PresentationRefused, RequestRejected
from sceau.wallet.store import StoredCredential, WalletStore

__all__ = [
    "Answer",
    "PlanItem",
    "PresentationPlan",
    "PresentationRequest",
    "fetch_request",
    "plan_presentation",
    "send_presentation",
]

REQUEST_TYP: Final = "oauth-authz-req+jwt"
MAX_REQUEST_URI_LENGTH: Final = 8 * 1024
MAX_REQUEST_OBJECT_LENGTH: Final = 64 * 1024
RESPONSE_MODES: Final = ("direct_post", "direct_post.jwt")
REQUEST_ALGORITHMS: Final = ("ES256", "ES384", "EdDSA")


@dataclass(frozen=True)
class PresentationRequest:
    """A verified Authorization Request (request object payload and who signed it)."""

    client_id: str
    prefix: str
    # DNS name (x509_san_dns), the leaf's DNS name or subject (x509_hash), DID, or redirect URI
    verifier_identity: str
    payload: dict[str, Any]
    header: dict[str, Any]

    @property
    def nonce(self) -> str:
        return str(self.payload["nonce"])

    @property
    def response_mode(self) -> str:
        return str(self.payload["response_mode"])

    @property
    def verifier_name(self) -> dict[str, str]:
        meta = self.payload.get("client_metadata") or {}
        names = {
            k: v for k, v in meta.items() if k.startswith("client_name") and isinstance(v, str)
        }
        return names


def _q(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


async def fetch_request(
    http: WalletHttp,
    authorization_uri: str,
    *,
    trust_anchors: Sequence[x509.Certificate] = (),
    allow_unsigned_redirect_uri: bool = False,
    use_post: bool = True,
    now: Callable[[], float] = time.time,
) -> PresentationRequest:
    """Resolve ``openid4vp://?client_id=...&request_uri=...`` (§5.10; the same with ``haip://``,
    HAIP 1.0 §5) and check the signature and the verifier's identity per its Client Identifier
    Prefix (§5.9.3)."""
    if len(authorization_uri) > MAX_REQUEST_URI_LENGTH:
        raise InputTooLarge("authorization request URI", limit=MAX_REQUEST_URI_LENGTH)
    query = parse_qs(urlsplit(authorization_uri.strip()).query, max_num_fields=16)
    client_id = _q(query, "client_id")
    request_uri = _q(query, "request_uri")
    if client_id and not request_uri and client_id.startswith("redirect_uri:"):
        # §5.9.3: the redirect_uri prefix sends its (unsigned) parameters by value.
        if not allow_unsigned_redirect_uri:
            raise RequestRejected(
                "unsigned redirect_uri requests are refused", code="untrusted_verifier"
            )
        return _checked_request(http, client_id, _by_value(query), {}, None, now)
    if not client_id or not request_uri:
        # Other requests by value would be unsigned: this wallet asks for a signed JAR.
        raise RequestRejected("the request has no client_id or request_uri", code="invalid_request")
    wallet_nonce: str | None = None
    if use_post and _q(query, "request_uri_method") == "post":
        # §5.10.1: a fresh wallet_nonce the verifier must echo in the request object.
        wallet_nonce = secrets.token_urlsafe(16)
        response = await http.post(
            request_uri,
            data={"wallet_nonce": wallet_nonce},
            headers={"Accept": "application/oauth-authz-req+jwt"},
        )
    else:
        response = await http.get(
            request_uri, headers={"Accept": "application/oauth-authz-req+jwt"}
        )
    if response.status_code != 200:
        raise RequestRejected(
            f"request_uri answered HTTP {response.status_code}", code="request_unavailable"
        )
    jar = response.text.strip()
    if len(jar) > MAX_REQUEST_OBJECT_LENGTH:
        raise InputTooLarge("request object", limit=MAX_REQUEST_OBJECT_LENGTH)
    try:
        header, _ = decode_compact_unverified(jar)
    except SceauError as exc:
        raise RequestRejected(
            "the request object is not a JWT", code="invalid_request_object"
        ) from exc
    prefix, _, identity = client_id.partition(":")
    try:
        shown: str | None = None  # the name to show when the client_id is not one
        if prefix == "x509_san_dns":
            payload = _verify_x509_san_dns(jar, header, identity, trust_anchors, now)
        elif prefix == "x509_hash":
            payload, shown = _verify_x509_hash(jar, header, identity, trust_anchors, now)
        elif prefix == "decentralized_identifier":
            payload = await _verify_did(http, jar, header, identity)
        elif prefix == "redirect_uri":
            # §5.9.3: such requests cannot be signed, so they never come as a request object.
            raise RequestRejected(
                "redirect_uri requests come by value, unsigned", code="untrusted_verifier"
            )
        else:
            raise RequestRejected(
                f"client identifier prefix {prefix!r} is not supported", code="untrusted_verifier"
            )
    except SceauError as exc:
        if isinstance(exc, RequestRejected):
            raise
        raise RequestRejected(
            f"request object does not verify: {exc}", code="invalid_request_object"
        ) from exc
    if header.get("typ") != REQUEST_TYP:
        raise RequestRejected(
            "request object typ is not oauth-authz-req+jwt", code="invalid_request_object"
        )
    request = _checked_request(http, client_id, payload, header, wallet_nonce, now)
    return request if shown is None else replace(request, verifier_identity=shown)


def _by_value(query: dict[str, list[str]]) -> dict[str, Any]:
    """Authorization Request parameters sent by value (§5.1); JSON ones decoded."""
    payload: dict[str, Any] = {}
    for name, values in query.items():
        value = values[0]
        if name in ("dcql_query", "client_metadata", "purpose"):
            try:
                payload[name] = msgspec.json.decode(value.encode())
            except msgspec.DecodeError as exc:
                raise RequestRejected(f"{name} is not JSON", code="invalid_request_object") from exc
        else:
            payload[name] = value
    return payload


def _checked_request(
    http: WalletHttp,
    client_id: str,
    payload: Any,
    header: dict[str, Any],
    wallet_nonce: str | None,
    now: Callable[[], float],
) -> PresentationRequest:
    """The checks every request passes, signed or by value (§5.1, §5.9.3, §5.10)."""
    prefix, _, identity = client_id.partition(":")
    if not isinstance(payload, dict) or payload.get("client_id") != client_id:
        # §5.10: the client_id of the URI and of the request object must be the same.
        raise RequestRejected(
            "client_id differs from the authorization request", code="invalid_request_object"
        )
    if wallet_nonce is not None and payload.get("wallet_nonce") != wallet_nonce:
        raise RequestRejected("wallet_nonce was not echoed", code="invalid_request_object")
    exp = payload.get("exp")
    if isinstance(exp, int) and exp < now() - 60:
        raise RequestRejected("the request object has expired", code="invalid_request_object")
    if (
        payload.get("response_type") != "vp_token"
        or payload.get("response_mode") not in RESPONSE_MODES
    ):
        raise RequestRejected(
            "only vp_token with direct_post(.jwt) is supported", code="invalid_request_object"
        )
    if not isinstance(payload.get("nonce"), str) or not isinstance(payload.get("dcql_query"), dict):
        raise RequestRejected(
            "the request has no nonce or dcql_query", code="invalid_request_object"
        )
    response_uri = payload.get("response_uri")
    if not isinstance(response_uri, str):
        raise RequestRejected("no response_uri", code="invalid_request_object")
    http.check_url(response_uri)
    if prefix == "x509_san_dns" and urlsplit(response_uri).hostname != identity:
        # §5.9.3: without a list of trusted client identifiers, response_uri's FQDN must be the
        # DNS name the certificate vouches for.
        raise RequestRejected(
            "response_uri is not on the verifier's DNS name", code="untrusted_verifier"
        )
    if prefix == "redirect_uri" and response_uri != identity:
        raise RequestRejected(
            "response_uri differs from the client identifier", code="untrusted_verifier"
        )
    return PresentationRequest(client_id, prefix, identity, dict(payload), dict(header))


def _trusted_leaf(
    header: dict[str, Any],
    prefix: str,
    anchors: Sequence[x509.Certificate],
    now: Callable[[], float],
) -> tuple[x509.Certificate, bytes]:
    """The leaf of the ``x5c`` chain (and its DER bytes) once the chain is validated to one of
    the wallet's trust anchors (§5.9.3: "The Wallet MUST validate the signature and the trust
    chain"), the same way for ``x509_san_dns`` and ``x509_hash``."""
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c or len(x5c) > 5:
        raise RequestRejected(f"{prefix} request without an x5c chain", code="untrusted_verifier")
    if not anchors:
        raise RequestRejected(f"no trust anchor for {prefix} verifiers", code="untrusted_verifier")
    try:
        # RFC 7515 §4.1.6: standard base64 (not base64url) of the DER certificates.
        ders = [base64.b64decode(c, validate=True) for c in x5c if isinstance(c, str)]
        if len(ders) != len(x5c):
            raise ValueError("x5c entries must be strings")
        chain = [x509.load_der_x509_certificate(d) for d in ders]
        import datetime as dt

        verifier = (
            x509v.PolicyBuilder()
            .store(x509v.Store(list(anchors)))
            .time(dt.datetime.fromtimestamp(now(), dt.UTC))
            .extension_policies(
                ca_policy=x509v.ExtensionPolicy.webpki_defaults_ca(),
                # The leaf signs the request object: not a CA, digitalSignature allowed.
                ee_policy=signing_ee_policy(),
            )
            .build_client_verifier()
        )
        verifier.verify(chain[0], chain[1:])
    except (ValueError, x509v.VerificationError) as exc:
        raise RequestRejected(
            f"certificate chain not trusted: {exc}", code="untrusted_verifier"
        ) from exc
    return chain[0], ders[0]


def _leaf_dns_names(leaf: x509.Certificate) -> list[str]:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return list(san.get_values_for_type(x509.DNSName))


def _verify_x509_san_dns(
    jar: str,
    header: dict[str, Any],
    dns_name: str,
    anchors: Sequence[x509.Certificate],
    now: Callable[[], float],
) -> dict[str, Any]:
    leaf, _ = _trusted_leaf(header, "x509_san_dns", anchors, now)
    if dns_name not in _leaf_dns_names(leaf):
        raise RequestRejected(
            "client_id is not a dNSName SAN of the leaf", code="untrusted_verifier"
        )
    key: Any = leaf.public_key()
    return dict(verify_compact(jar, key, algorithms=REQUEST_ALGORITHMS, typ=REQUEST_TYP).claims)


def _verify_x509_hash(
    jar: str,
    header: dict[str, Any],
    hash_value: str,
    anchors: Sequence[x509.Certificate],
    now: Callable[[], float],
) -> tuple[dict[str, Any], str]:
    """§5.9.3 x509_hash: the client_id value is base64url(SHA-256(DER leaf)), the chain is
    trusted, the leaf's key signed the request. Returns the payload and the name to show the
    person: the leaf's first dNSName SAN, else its subject (both vouched for by the chain)."""
    leaf, der = _trusted_leaf(header, "x509_hash", anchors, now)
    if x509_hash(der) != hash_value:  # public values: no constant-time need
        raise RequestRejected(
            "client_id is not the hash of the leaf certificate", code="untrusted_verifier"
        )
    key: Any = leaf.public_key()
    payload = dict(verify_compact(jar, key, algorithms=REQUEST_ALGORITHMS, typ=REQUEST_TYP).claims)
    names = _leaf_dns_names(leaf)
    return payload, names[0] if names else leaf.subject.rfc4514_string()


async def _verify_did(
    http: WalletHttp, jar: str, header: dict[str, Any], did: str
) -> dict[str, Any]:
    """§5.9.3 decentralized_identifier: ``kid`` is a DID URL of that DID (key, jwk, web)."""
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith(did + "#"):
        raise RequestRejected("kid is not a key of the client's DID", code="untrusted_verifier")
    # did:key and did:jwk resolve locally, did:web through the wallet's HTTP client; the key
    # must be authorised for authentication by the DID's controller.
    key = await WalletDidResolver(http).key(kid, "authentication")
    return dict(verify_compact(jar, key, algorithms=REQUEST_ALGORITHMS, typ=REQUEST_TYP).claims)


# --- what to disclose ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """One credential the answer will present, and exactly which claims it reveals."""

    query_id: str
    credential: StoredCredential
    match: CredentialMatch
    disclosed: dict[str, Any]  # claim path ("a.b") -> value, as shown to the person


@dataclass(frozen=True)
class PresentationPlan:
    items: tuple[PlanItem, ...]


def _holder_credential(stored: StoredCredential) -> HolderCredential:
    if stored.format == "dc+sd-jwt":
        return holder_credential_from_sd_jwt(str(stored.credential), credential_id=stored.id)
    if stored.format == "ldp_vc" and isinstance(stored.credential, dict):
        types = tuple(stored.credential.get("type") or ())
        return HolderCredential(stored.id, "ldp_vc", stored.credential, types=types)
    if stored.format == "jwt_vc_json" and isinstance(stored.credential, str):
        _h, payload = decode_compact_unverified(stored.credential)
        claims = payload if isinstance(payload, dict) else msgspec.json.decode(payload)
        vc = claims.get("vc", claims)
        return HolderCredential(stored.id, "jwt_vc_json", vc, types=tuple(vc.get("type") or ()))
    raise InvalidInput(f"format {stored.format} cannot be presented", code="unsupported_format")


def _value_at(claims: Any, path: Sequence[Any]) -> Any:
    value = claims
    for step in path:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        else:
            return None
    return value


def plan_presentation(request: PresentationRequest, store: WalletStore) -> PresentationPlan:
    """The minimum disclosures the DCQL query needs from the stored credentials (§6, §7).

    Raises :class:`PresentationRefused` when nothing in the wallet satisfies the query.
    """
    query = parse_dcql_query(request.payload["dcql_query"])
    by_id: dict[str, StoredCredential] = {}
    candidates: list[HolderCredential] = []
    # Least presented first: DCQL picks the first match, so batch copies are used in turn.
    for stored in sorted(store.credentials, key=lambda c: c.presentations):
        try:
            candidates.append(_holder_credential(stored))
        except SceauError:
            continue
        by_id[stored.id] = stored
    result = evaluate_dcql_query(query, candidates)
    if not result.satisfiable:
        raise PresentationRefused(
            "no credential in this wallet satisfies the request", code="no_matching_credential"
        )
    claims_of = {c.id: c.claims for c in candidates}
    items = []
    for query_id, matches in result.selection.items():
        for match in matches:
            stored = by_id[match.credential_id]
            disclosed = {
                ".".join(str(s) for s in path): _value_at(claims_of[stored.id], path)
                for path in match.claim_paths
            }
            items.append(PlanItem(query_id, stored, match, disclosed))
    return PresentationPlan(tuple(items))


# --- the answer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status_code: int
    redirect_uri: str | None
    body: dict[str, Any]


async def _vp_for(
    item: PlanItem, request: PresentationRequest, store: WalletStore, now: int
) -> Any:
    signer = store.signer(item.credential.key_id)
    fmt = item.credential.format
    if fmt == "dc+sd-jwt":
        presented = presentation_for_match(str(item.credential.credential), item.match)
        # §B.3.6: KB-JWT aud = client_id, nonce = the request's nonce; sd_hash over the rest.
        claims = kb_jwt_payload(
            presented, "sha-256", audience=request.client_id, nonce=request.nonce, iat=now
        )
        return presented + sign_compact_sync({"typ": "kb+jwt", "alg": "ES256"}, claims, signer)
    did = did_jwk_from_jwk(dict(signer.public_jwk))
    holder_signer = SoftwareSigner(signer.private_key, "ES256", key_id=f"{did}#0")
    vp: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
    }
    if fmt == "ldp_vc":
        # §B.1.3.2.5: challenge = nonce, domain = client_id.
        vp["verifiableCredential"] = [item.credential.credential]
        return add_proof_sync(
            vp,
            holder_signer,
            cryptosuite="ecdsa-rdfc-2019",
            proof_purpose="authentication",
            challenge=request.nonce,
            domain=request.client_id,
        )
    vp["verifiableCredential"] = [enveloped_credential(str(item.credential.credential))]
    return await sign_vp_jwt(
        vp, holder_signer, now=now, nonce=request.nonce, audience=request.client_id
    )


async def send_presentation(
    http: WalletHttp,
    request: PresentationRequest,
    plan: PresentationPlan,
    store: WalletStore,
    *,
    clock: Callable[[], float] = time.time,
) -> Answer:
    """POST the Authorization Response to ``response_uri`` (§8.2, or §8.3 encrypted)."""
    now = int(clock())
    vp_token: dict[str, list[Any]] = {}
    for item in plan.items:
        vp_token.setdefault(item.query_id, []).append(await _vp_for(item, request, store, now))
    for item in plan.items:
        store.mark_presented(item.credential.id)  # saved by the caller with the store
    state = request.payload.get("state")
    response_uri = str(request.payload["response_uri"])
    if request.response_mode == "direct_post.jwt":
        meta = request.payload.get("client_metadata") or {}
        keys = [k for k in (meta.get("jwks") or {}).get("keys", []) if isinstance(k, dict)]
        jwk = next(
            (k for k in keys if k.get("alg", "ECDH-ES") == "ECDH-ES" and k.get("kty") == "EC"), None
        )
        encs = meta.get("encrypted_response_enc_values_supported") or ["A128GCM"]
        if jwk is None:
            raise RequestRejected(
                "no ECDH-ES key for the encrypted response", code="invalid_request_object"
            )
        payload: dict[str, Any] = {"vp_token": vp_token}
        if state is not None:
            payload["state"] = state
        # core.jose admits only signing algorithms in a JWK's alg: pass the key without alg/use.
        key = {k: v for k, v in jwk.items() if k not in ("alg", "use")}
        enc = "A256GCM" if "A256GCM" in encs else str(encs[0])
        jwe = jwe_encrypt_ecdh_es(msgspec.json.encode(payload), key, enc=enc)
        response = await http.post(response_uri, data={"response": jwe})
    else:
        form = {"vp_token": msgspec.json.encode(vp_token).decode()}
        if state is not None:
            form["state"] = str(state)
        response = await http.post(response_uri, data=form)
    try:
        body = msgspec.json.decode(response.content) if response.content else {}
    except msgspec.DecodeError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    redirect = body.get("redirect_uri")
    return Answer(response.status_code, redirect if isinstance(redirect, str) else None, body)
