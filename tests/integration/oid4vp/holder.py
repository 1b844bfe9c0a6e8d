"""The wallet side of OpenID4VP 1.0, built only on the pure core and an HTTP client.

Kept free of test assertions so that the reference wallet library can lift it: resolve an
``openid4vp://`` request (request_uri GET or POST with wallet_nonce), check the request object's
signature and the verifier's identity, pick the minimum disclosures the DCQL query needs, and
answer with ``direct_post`` or ``direct_post.jwt``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography import x509
from cryptography.x509 import verification as x509v

from sceau.core.dcql import (
    evaluate_dcql_query,
    holder_credential_from_sd_jwt,
    parse_dcql_query,
    presentation_for_match,
)
from sceau.core.jose import (
    PublicKey,
    SoftwareSigner,
    decode_compact_unverified,
    jwe_encrypt_ecdh_es,
    sign_compact_sync,
    verify_compact,
)
from sceau.core.sdjwt import kb_jwt_payload
from sceau.core.vc import add_proof_sync
from sceau.core.vc.jose import enveloped_credential, sign_vp_jwt


class RequestRejectedByWallet(Exception):
    """The wallet refuses the request (bad signature, identity mismatch, wallet_nonce...)."""


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    payload: dict[str, Any]
    header: dict[str, Any]

    @property
    def nonce(self) -> str:
        return str(self.payload["nonce"])

    @property
    def dcql(self) -> dict[str, Any]:
        return dict(self.payload["dcql_query"])


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def resolve_request(
    http: httpx.AsyncClient,
    authorization_uri: str,
    *,
    x509_anchor: x509.Certificate | None = None,
    verifier_key: PublicKey | None = None,
    use_post: bool = True,
) -> AuthorizationRequest:
    """Fetch and check the request object (§5.10, §5.9 client identifier prefixes)."""
    query = parse_qs(urlsplit(authorization_uri).query)
    client_id = query["client_id"][0]
    if client_id.startswith("redirect_uri:"):
        # §5.9.3: unsigned, so every parameter comes by value in the URI itself.
        if "request_uri" in query:
            raise RequestRejectedByWallet("redirect_uri requests come by value")
        by_value: dict[str, Any] = {k: v[0] for k, v in query.items()}
        for name in ("dcql_query", "client_metadata", "purpose"):
            if name in by_value:
                by_value[name] = json.loads(by_value[name])
        return AuthorizationRequest(client_id, by_value, {})
    request_uri = query["request_uri"][0]
    wallet_nonce = None
    if use_post and query.get("request_uri_method") == ["post"]:
        wallet_nonce = secrets.token_urlsafe(16)
        r = await http.post(_path(request_uri), data={"wallet_nonce": wallet_nonce})
    else:
        r = await http.get(_path(request_uri))
    if r.status_code != 200:
        raise RequestRejectedByWallet(f"request_uri answered {r.status_code}: {r.text}")
    jar = r.text
    header, _ = decode_compact_unverified(jar)
    if header.get("typ") != "oauth-authz-req+jwt":
        raise RequestRejectedByWallet("request object typ")
    prefix = client_id.split(":", 1)[0]
    if prefix in ("x509_san_dns", "x509_hash"):
        x5c = header.get("x5c", [])
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in x5c]
        if not chain or x509_anchor is None:
            raise RequestRejectedByWallet("no x5c or no trust anchor")
        store = x509v.Store([x509_anchor])
        verifier = (
            x509v.PolicyBuilder()
            .store(store)
            .extension_policies(
                ca_policy=x509v.ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=x509v.ExtensionPolicy.permit_all(),
            )
            .build_client_verifier()
        )
        verifier.verify(chain[0], chain[1:])
        identifier = client_id.split(":", 1)[1]
        if prefix == "x509_hash":
            # §5.9.3: base64url (unpadded) SHA-256 of the DER leaf, computed here from the bytes.
            digest = hashlib.sha256(base64.b64decode(x5c[0])).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != identifier:
                raise RequestRejectedByWallet("client_id is not the hash of the leaf certificate")
        else:
            san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            if identifier not in san.get_values_for_type(x509.DNSName):
                raise RequestRejectedByWallet("client_id is not a SAN of the leaf certificate")
        verified = verify_compact(jar, chain[0].public_key())  # type: ignore[arg-type]
        payload = verified.claims
    elif prefix == "decentralized_identifier":
        if verifier_key is None:
            raise RequestRejectedByWallet("no verifier key")
        payload = verify_compact(jar, verifier_key).claims
    else:
        raise RequestRejectedByWallet(f"client identifier prefix {prefix!r}")
    if payload.get("client_id") != client_id:
        raise RequestRejectedByWallet("client_id differs from the authorization request")
    if wallet_nonce is not None and payload.get("wallet_nonce") != wallet_nonce:
        raise RequestRejectedByWallet("wallet_nonce not echoed")
    return AuthorizationRequest(client_id, dict(payload), dict(header))


def sd_jwt_presentation(
    sd_jwt: str,
    request: AuthorizationRequest,
    holder_signer: SoftwareSigner,
    *,
    query_id: str | None = None,
    nonce: str | None = None,
    audience: str | None = None,
    iat: int | None = None,
) -> str:
    """The minimum disclosures for the query, with a KB-JWT (aud = client_id, §B.3.6)."""
    query = parse_dcql_query(request.dcql)
    cred = holder_credential_from_sd_jwt(sd_jwt, credential_id="c")
    result = evaluate_dcql_query(query, [cred])
    qid = query_id or query.credentials[0].id
    if not result.matches.get(qid):
        raise RequestRejectedByWallet("credential does not satisfy the query")
    presented = presentation_for_match(sd_jwt, result.matches[qid][0])
    claims = kb_jwt_payload(
        presented,
        "sha-256",
        audience=audience or request.client_id,
        nonce=nonce or request.nonce,
        iat=iat or int(time.time()),
    )
    return presented + sign_compact_sync({"typ": "kb+jwt"}, claims, holder_signer)


def di_presentation(
    credential: dict[str, Any],
    request: AuthorizationRequest,
    holder_did: str,
    holder_signer: SoftwareSigner,
    *,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """An ldp_vp with challenge = nonce and domain = client_id (§B.1.3.2.5)."""
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [credential],
    }
    return add_proof_sync(
        vp,
        holder_signer,
        cryptosuite="ecdsa-rdfc-2019",
        proof_purpose="authentication",
        challenge=challenge or request.nonce,
        domain=domain or request.client_id,
    )


async def vp_jwt_presentation(
    vc_jwt: str,
    request: AuthorizationRequest,
    holder_did: str,
    holder_signer: SoftwareSigner,
    *,
    nonce: str | None = None,
    audience: str | None = None,
) -> str:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [enveloped_credential(vc_jwt)],
    }
    return await sign_vp_jwt(
        vp,
        holder_signer,
        now=int(time.time()),
        nonce=nonce or request.nonce,
        audience=audience or request.client_id,
    )


async def respond(
    http: httpx.AsyncClient,
    request: AuthorizationRequest,
    vp_token: dict[str, list[Any]],
    *,
    state: str | None = None,
) -> httpx.Response:
    """POST the Authorization Response to ``response_uri`` (§8.2, or §8.3 encrypted)."""
    payload = {"vp_token": vp_token, "state": state or request.payload["state"]}
    uri = _path(request.payload["response_uri"])
    if request.payload["response_mode"] == "direct_post.jwt":
        jwk = request.payload["client_metadata"]["jwks"]["keys"][0]
        if jwk.get("alg") != "ECDH-ES":
            raise RequestRejectedByWallet("response encryption key is not for ECDH-ES")
        # §8.3 requires `alg` in the JWK, but core.jose.public_key_from_jwk only admits signing
        # algorithms there: pass the key without `alg`/`use` (kid kept for the JWE header).
        jwk = {k: v for k, v in jwk.items() if k not in ("alg", "use")}
        enc = request.payload["client_metadata"]["encrypted_response_enc_values_supported"][0]
        jwe = jwe_encrypt_ecdh_es(json.dumps(payload).encode(), jwk, enc=enc)
        return await http.post(uri, data={"response": jwe})
    return await http.post(uri, data={"vp_token": json.dumps(vp_token), "state": payload["state"]})
