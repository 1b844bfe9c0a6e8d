"""OpenID4VP 1.0 verifier use cases: create a presentation request, serve its signed request
object, take the wallet's response, verify it, and release the disclosed claims once.

Privacy: disclosed claims are never stored readable. At creation a P-256 key pair is derived
from the request's secret (HKDF); only the public half is stored. The verified claims are sealed
to it (JWE ECDH-ES) and the ciphertext is deleted at its first read, which needs the secret.
Afterwards only outcome metadata (status, reasons, formats, types, issuers) remains.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, cast
from urllib.parse import quote, urlencode, urlsplit

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.dcql import (
    CredentialMatch,
    DcqlQuery,
    HolderCredential,
    parse_dcql_query,
    verify_presented_credentials,
)
from sceau.core.encoding import b64url_encode, json_loads
from sceau.core.errors import InvalidInput, SceauError
from sceau.core.jose import (
    generate_private_key,
    jwe_decrypt,
    jwe_encrypt_ecdh_es,
    private_key_from_jwk,
    public_jwk,
    sign_compact,
)
from sceau.db.engine import autocommit
from sceau.errors import Forbidden, NotFound, OAuthError, ServiceError
from sceau.oid4vp import store
from sceau.oid4vp.models import (
    PresentationRequestCreate,
    PresentationRequestCreated,
    PresentationRequestStatus,
    PresentationResult,
)
from sceau.tenants.service import Actor
from sceau.verification.engine import VerificationEngine, VerificationRejected, VerifiedCredential
from sceau.verification.models import Purpose, VerifierConfig
from sceau.verification.service import KeysPort, VerificationService

__all__ = ["OverAsking", "PresentationRequestNotFound", "PresentationService"]

# OpenID4VP §5.10: the Wallet's issuer identifier for static discovery, used as JAR `aud`.
SELF_ISSUED_AUD: Final = "https://self-issued.me/v2"
REQUEST_OBJECT_TYP: Final = "oauth-authz-req+jwt"  # §5.2, RFC 9101 §10.8
RESULT_KEY_INFO: Final = b"sceau oid4vp result key v1"
MAX_VP_TOKEN_BYTES: Final = 512 * 1024
MAX_PRESENTATIONS: Final = 20
# Disclosed claims a verifier has not read are deleted this long after the wallet's response
# (sceau.maintenance); read them with the request's secret before then.
RESULT_GRACE_S: Final = 600
_SECP256R1_ORDER: Final = int(
    "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16
)
VP_FORMATS: Final = {
    "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]},
    "ldp_vc": {
        "proof_type_values": ["DataIntegrityProof"],
        "cryptosuite_values": ["ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-jcs-2019"],
    },
    "jwt_vc_json": {"alg_values": ["ES256"]},
}


class PresentationRequestNotFound(NotFound):
    code = "presentation_request_not_found"


# Wallet invocation schemes (OpenID4VP §5.9.3 examples; HAIP). The profile text in
# shared/specs (editor's draft 04, §"OpenID for Verifiable Presentations profile for IETF SD-JWT
# VC") makes ``haip://`` a MUST; HAIP 1.0 final renamed it ``haip-vp://``, the scheme wallets in
# the field register (EUDI reference wallet, Multipaz): both are offered.
UriScheme = Literal["openid4vp", "haip", "haip-vp"]
HAIP_SCHEMES: Final[tuple[UriScheme, ...]] = ("haip", "haip-vp")


class HaipUriUnavailable(ServiceError):
    """A ``haip://`` / ``haip-vp://`` URI for a request outside the profile: HAIP requires the
    ``x509_hash`` client identifier prefix and the ``direct_post.jwt`` response mode."""

    code = "haip_uri_unavailable"
    status = 409


def _follows_haip(prefix: str, response_mode: str) -> bool:
    return prefix == "x509_hash" and response_mode == "direct_post.jwt"


class OverAsking(ServiceError):
    """The DCQL query asks for a claim or a credential type the purpose did not register."""

    code = "over_asking_query"
    status = 422


class PurposeNotRegistered(ServiceError):
    code = "purpose_not_registered"
    status = 422


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def result_private_key(secret: str) -> ec.EllipticCurvePrivateKey:
    """The P-256 key derived from a request secret (HKDF-SHA256); the secret is not stored."""
    okm = HKDF(hashes.SHA256(), 48, salt=None, info=RESULT_KEY_INFO).derive(secret.encode())
    scalar = int.from_bytes(okm, "big") % (_SECP256R1_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def _path_allowed(path: Sequence[Any], allowed: Sequence[Sequence[Any]]) -> bool:
    # A registered path allows itself and everything below it (asking for address.locality is
    # within a registration of address); a null wildcard only where the registration has one.
    for prefix in allowed:
        if len(prefix) <= len(path) and all(a == p for a, p in zip(prefix, path, strict=False)):
            return True
    return False


def check_within_purpose(
    query: DcqlQuery, purpose: Purpose, accepted_formats: Sequence[str]
) -> None:
    """Refuse a query beyond the purpose's registration (data minimisation, issue 5 item 1)."""
    for cq in query.credentials:
        if cq.format not in accepted_formats:
            raise OverAsking(f"format {cq.format} is not accepted by the trust policy")
        if cq.format == "dc+sd-jwt":
            types = list(cq.vct_values)
            if not all(t in purpose.allowed_claims for t in types):
                raise OverAsking("credential type not registered for this purpose")
            allowed = [p for t in types for p in purpose.allowed_claims[t]]
        else:
            alternatives = cq.meta.get("type_values", ())
            allowed = []
            for alt in alternatives:
                registered = [t for t in alt if t in purpose.allowed_claims]
                if not registered:
                    raise OverAsking("credential type not registered for this purpose")
                allowed.extend(p for t in registered for p in purpose.allowed_claims[t])
        if cq.claims is None:
            # No claims listed: the whole credential would be disclosed (§6.1 `claims`).
            if not any(len(p) == 0 for p in allowed):
                raise OverAsking("a query without claims asks for every claim")
            continue
        for claim in cq.claims:
            if not _path_allowed(list(claim.path), allowed):
                raise OverAsking(f"claim {list(claim.path)} is not registered for this purpose")


class PresentationService:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        verification: VerificationService,
        keys: KeysPort,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self._db = engine
        # Blocks of one statement (lookups, conditional updates) need no BEGIN/COMMIT round trips.
        self._autocommit = autocommit(engine)
        self._verification = verification
        self._keys = keys
        self._clock_ms = clock_ms

    # --- URLs ----------------------------------------------------------------------------------

    def _base(self, tenant: str) -> str:
        return f"{self._verification.public_url}/t/{tenant}/oid4vp"

    def request_uri(self, tenant: str, request_id: str) -> str:
        return f"{self._base(tenant)}/requests/{request_id}"

    # --- creation ------------------------------------------------------------------------------

    async def create(
        self, actor: Actor, tenant: str, data: PresentationRequestCreate
    ) -> PresentationRequestCreated:
        config = await self._verification.get_config(tenant)
        purpose = config.purpose(data.purpose)
        if purpose is None:
            raise PurposeNotRegistered()
        query = parse_dcql_query(data.dcql_query)
        check_within_purpose(query, purpose, config.trust_policy.accepted_formats)
        if data.redirect_uri is not None and urlsplit(data.redirect_uri).scheme not in (
            "https",
            "http",
        ):
            raise InvalidInput("redirect_uri must be an http(s) URL", code="invalid_redirect_uri")
        request_id = secrets.token_urlsafe(24)
        secret = secrets.token_urlsafe(32)
        now = self._clock_ms()
        expires = now + data.ttl_s * 1000
        response_key = None
        if data.response_mode == "direct_post.jwt":
            response_key = _private_jwk(generate_private_key(), kid=request_id)
        values: dict[str, Any] = {
            "id": request_id,
            "tenant": tenant,
            "secret_hash": _sha256(secret),
            "result_jwk": public_jwk(result_private_key(secret).public_key()),
            "nonce": secrets.token_urlsafe(24),
            "state": secrets.token_urlsafe(24),
            "purpose": purpose.id,
            "response_mode": data.response_mode,
            "dcql_query": data.dcql_query,
            "response_key": response_key,
            "redirect_uri": data.redirect_uri,
            "status": "pending",
            "created_at_ms": now,
            "expires_at_ms": expires,
        }
        async with self._db.begin() as conn:
            await store.insert(conn, values)
            await audit_record(
                conn,
                AuditEvent(
                    actor=actor.id,
                    action="presentation_request.create",
                    target=request_id,
                    tenant=tenant,
                    request_id=actor.request_id,
                    details={"purpose": purpose.id, "response_mode": data.response_mode},
                ),
            )
        request_uri = self.request_uri(tenant, request_id)
        # §5.10: request_uri_method=post lets the wallet send wallet_nonce and its metadata.
        method: Literal["get", "post"] = (
            "post" if config.client_id_prefix != "redirect_uri" else "get"
        )
        invocation: dict[str, str] = {}
        if config.client_id_prefix == "redirect_uri":
            auth_uri = self._by_value_uri(tenant, values, config)
        else:
            params = {"client_id": config.client_id, "request_uri": request_uri}
            if method == "post":
                params["request_uri_method"] = "post"
            encoded = urlencode(params, quote_via=quote)
            auth_uri = f"openid4vp://?{encoded}"
            if _follows_haip(config.client_id_prefix, data.response_mode):
                invocation = {scheme: f"{scheme}://?{encoded}" for scheme in HAIP_SCHEMES}
        admin = f"/admin/tenants/{tenant}/presentation-requests/{request_id}"
        return PresentationRequestCreated(
            id=request_id,
            secret=secret,
            client_id=config.client_id,
            request_uri=request_uri,
            request_uri_method=method,
            authorization_request_uri=auth_uri,
            haip_authorization_request_uris=invocation or None,
            result_uri=f"{request_uri}/result",
            qr_svg_uri=f"{self._verification.public_url}{admin}/qr.svg",
            qr_png_uri=f"{self._verification.public_url}{admin}/qr.png",
            expires_at_ms=expires,
        )

    async def authorization_request_uri(
        self, tenant: str, request_id: str, scheme: UriScheme = "openid4vp"
    ) -> str:
        """The request's URI for a QR code or link, same parameters in every scheme:
        ``openid4vp://`` (OpenID4VP §5.9.3 examples), or ``haip://`` / ``haip-vp://`` for a
        request that follows HAIP (``haip_uri_unavailable`` otherwise)."""
        row = await self._row(tenant, request_id)
        config = await self._verification.get_config(tenant)
        if scheme in HAIP_SCHEMES and not _follows_haip(
            config.client_id_prefix, row["response_mode"]
        ):
            raise HaipUriUnavailable()
        if config.client_id_prefix == "redirect_uri":
            return self._by_value_uri(tenant, row, config)
        params = {
            "client_id": config.client_id,
            "request_uri": self.request_uri(tenant, row["id"]),
            "request_uri_method": "post",  # §5.10: signed requests are fetched by POST
        }
        return f"{scheme}://?" + urlencode(params, quote_via=quote)

    async def _row(self, tenant: str, request_id: str) -> Mapping[str, Any]:
        async with self._autocommit.connect() as conn:
            row = await store.get(conn, tenant, request_id)
        if row is None:
            raise PresentationRequestNotFound()
        return row

    async def status(self, tenant: str, request_id: str) -> PresentationRequestStatus:
        row = await self._row(tenant, request_id)
        return _status(row, self._clock_ms())

    # --- request object (§5, JAR) --------------------------------------------------------------

    async def request_object(
        self, tenant: str, request_id: str, *, wallet_nonce: str | None = None
    ) -> str:
        async with self._autocommit.connect() as conn:
            row = await store.get(conn, tenant, request_id)
        if row is None:
            raise OAuthError("invalid_request_uri", status=404)
        if row["status"] != "pending":
            raise OAuthError("invalid_request_uri", status=400, reason="request_used")
        now = self._clock_ms()
        if now >= row["expires_at_ms"]:
            raise OAuthError("invalid_request_uri", status=400, reason="request_expired")
        config = await self._verification.get_config(tenant)
        if config.client_id_prefix == "redirect_uri":
            # §5.9.3: such requests cannot be signed (RFC 9101 §5 has no unsigned request
            # objects): they travel by value in the authorization request URI instead.
            raise OAuthError("invalid_request_uri", status=400, reason="request_by_value")
        payload = self._request_parameters(tenant, row, config)
        payload["aud"] = SELF_ISSUED_AUD
        payload["iat"] = now // 1000
        payload["exp"] = row["expires_at_ms"] // 1000
        if wallet_nonce is not None:
            payload["wallet_nonce"] = wallet_nonce  # §5.11: echoed so the wallet detects replay
        signer = await self._keys.get_signer(tenant, "ES256")
        jws_header: dict[str, Any] = {"typ": REQUEST_OBJECT_TYP}
        if config.client_id_prefix in ("x509_san_dns", "x509_hash") and config.x509_chain_pem:
            # §5.9.3: both prefixes carry the chain, leaf first, in x5c; the leaf's key signs.
            import base64

            from cryptography import x509
            from cryptography.hazmat.primitives.serialization import Encoding

            jws_header["x5c"] = [
                base64.b64encode(
                    x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)
                ).decode("ascii")
                for pem in config.x509_chain_pem
            ]
        elif config.client_id_prefix == "decentralized_identifier":
            did = config.client_id.split(":", 1)[1]
            jws_header["kid"] = f"{did}#{signer.key_id}"
        return await sign_compact(jws_header, payload, signer)

    def _request_parameters(
        self, tenant: str, row: Mapping[str, Any], config: VerifierConfig
    ) -> dict[str, Any]:
        """The Authorization Request parameters (§5.1) of one stored request."""
        metadata: dict[str, Any] = {
            "vp_formats_supported": {
                f: v for f, v in VP_FORMATS.items() if f in config.trust_policy.accepted_formats
            },
            "client_name": config.name_en,
            "client_name#en": config.name_en,
            "client_name#fr": config.name_fr,
        }
        if row["response_mode"] == "direct_post.jwt":
            # §8.3: the response is encrypted to this ephemeral key (ECDH-ES, HAIP §5).
            enc_jwk = {k: v for k, v in row["response_key"].items() if k != "d"}
            metadata["jwks"] = {"keys": [{**enc_jwk, "use": "enc", "alg": "ECDH-ES"}]}
            metadata["encrypted_response_enc_values_supported"] = ["A128GCM", "A256GCM"]
        purpose = config.purpose(row["purpose"])
        payload: dict[str, Any] = {
            "client_id": config.client_id,
            "response_type": "vp_token",
            "response_mode": row["response_mode"],
            "response_uri": self._verification.response_uri(tenant),
            "nonce": row["nonce"],
            "state": row["state"],
            "dcql_query": row["dcql_query"],
            "client_metadata": metadata,
        }
        if purpose is not None:
            payload["purpose"] = {"en": purpose.description_en, "fr": purpose.description_fr}
        return payload

    def _by_value_uri(self, tenant: str, row: Mapping[str, Any], config: VerifierConfig) -> str:
        """``openid4vp://?`` with every parameter (§5.9.3 example): the redirect_uri prefix."""
        params = {
            k: v if isinstance(v, str) else msgspec.json.encode(v).decode()
            for k, v in self._request_parameters(tenant, row, config).items()
        }
        return "openid4vp://?" + urlencode(params, quote_via=quote)

    # --- response endpoint (§8.2 direct_post, §8.3 direct_post.jwt) ---------------------------

    async def receive_response(self, tenant: str, form: Mapping[str, str]) -> dict[str, Any]:
        """Take the wallet's Authorization Response; returns the body for the wallet."""
        if "response" in form:
            row, payload = await self._decrypt_response(tenant, form["response"])
        else:
            state = form.get("state")
            if not state:
                raise OAuthError("invalid_request", status=400)
            async with self._autocommit.connect() as conn:
                found = await store.find_by_state(conn, tenant, state)
            if found is None:
                raise OAuthError("invalid_request", status=400)
            row = found
            if row["response_mode"] != "direct_post":
                raise OAuthError("invalid_request", status=400)  # must come encrypted
            payload = dict(form)
        if self._clock_ms() >= row["expires_at_ms"] and row["status"] == "pending":
            # SECURITY P-02: a response to an expired request is refused and changes nothing;
            # readers see the request as rejected with request_expired (_view).
            raise OAuthError("invalid_request", status=400, reason="request_expired")
        if "error" in payload:
            return await self._finish_error(row, str(payload.get("error")))
        if payload.get("state") != row["state"]:
            raise OAuthError("invalid_request", status=400)
        async with self._autocommit.connect() as conn:
            claimed = await store.claim_pending(conn, row["id"])
        if not claimed:
            # Single use: a second response (a replay, or a reuse of the request) is refused.
            raise OAuthError("invalid_request", status=400, reason="request_used")
        body: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if row["redirect_uri"]:
            # §8.2 same-device: the redirect carries a response_code bound to this response.
            code = secrets.token_urlsafe(24)
            extra["response_code_hash"] = _sha256(code)
            sep = "&" if "?" in row["redirect_uri"] else "?"
            body["redirect_uri"] = f"{row['redirect_uri']}{sep}response_code={code}"
        try:
            outcome, released = await self._verify_vp_token(tenant, row, payload.get("vp_token"))
        except SceauError as exc:
            # Engine rejections carry their reason; other core errors their precise code. The
            # transaction is marked rejected, then the wallet gets a 400 (SECURITY S-07, J-01: a
            # rejected presentation is not "successfully processed", §8.2), with the same-device
            # redirect_uri so the person is taken back to the verifier, which shows the outcome.
            await self._complete(row, "rejected", [exc.code], [], None, extra)
            raise OAuthError(
                "invalid_request", status=400, message="presentation_rejected", extra=body
            ) from None
        else:
            sealed = jwe_encrypt_ecdh_es(
                msgspec.json.encode(released), row["result_jwk"], enc="A256GCM"
            )
            await self._complete(row, "verified", [], outcome, sealed, extra)
        return body

    async def _decrypt_response(
        self, tenant: str, jwe: str
    ) -> tuple[Mapping[str, Any], dict[str, Any]]:
        try:
            parts = jwe.split(".")
            import base64

            # Strict JSON (no duplicate members, bounded depth): hostile input is a 400.
            header = json_loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
            kid = header.get("kid") if isinstance(header, dict) else None
        except (ValueError, IndexError, SceauError):
            raise OAuthError("invalid_request", status=400) from None
        if not isinstance(kid, str) or len(kid) > 64:
            raise OAuthError("invalid_request", status=400)
        async with self._autocommit.connect() as conn:
            row = await store.get(conn, tenant, kid)
        if row is None or row["response_key"] is None:
            raise OAuthError("invalid_request", status=400, reason="request_used")
        try:
            _, plaintext = jwe_decrypt(jwe, private_key_from_jwk(row["response_key"]))
            payload = json_loads(plaintext, max_bytes=MAX_VP_TOKEN_BYTES + 64 * 1024)
        except SceauError:
            raise OAuthError("invalid_request", status=400) from None
        if not isinstance(payload, dict):
            raise OAuthError("invalid_request", status=400)
        return row, payload

    async def _finish_error(self, row: Mapping[str, Any], error: str) -> dict[str, Any]:
        async with self._autocommit.connect() as conn:
            claimed = await store.claim_pending(conn, row["id"])
        if not claimed:
            raise OAuthError("invalid_request", status=400, reason="request_used")
        code = error if error.isidentifier() and len(error) <= 40 else "wallet_error"
        await self._complete(row, "rejected", [f"wallet:{code}"], [], None)
        return {}

    async def _complete(
        self,
        row: Mapping[str, Any],
        status: str,
        reasons: list[str],
        outcome: list[dict[str, Any]],
        sealed: str | None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        async with self._db.begin() as conn:
            await store.complete(
                conn,
                row["id"],
                {
                    **(extra or {}),
                    "status": status,
                    "reasons": reasons,
                    "outcome": outcome,
                    "sealed_result": sealed,
                    "response_key": None,  # the decryption key is no longer needed
                    "completed_at_ms": self._clock_ms(),
                },
            )
            await audit_record(
                conn,
                AuditEvent(
                    actor="wallet",
                    action=f"presentation_request.{status}",
                    target=row["id"],
                    tenant=row["tenant"],
                    request_id="",
                    details={"reasons": ",".join(reasons)[:200]},
                ),
            )

    async def _verify_vp_token(
        self, tenant: str, row: Mapping[str, Any], raw: Any
    ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        config, engine = await self._verification.engine_for(tenant)
        if isinstance(raw, str):
            if len(raw) > MAX_VP_TOKEN_BYTES:
                raise InvalidInput("vp_token too large", code="invalid_vp_token")
            try:  # strict: a repeated query id or hostile nesting is refused, never "last wins"
                raw = json_loads(raw, max_bytes=MAX_VP_TOKEN_BYTES)
            except SceauError:
                raise InvalidInput("vp_token is not JSON", code="invalid_vp_token") from None
        # §8.1: vp_token is a JSON object keyed by DCQL credential query id, values arrays.
        if not isinstance(raw, dict) or not raw:
            raise InvalidInput("vp_token must be a non-empty object", code="invalid_vp_token")
        query = parse_dcql_query(row["dcql_query"])
        presented: dict[str, list[HolderCredential]] = {}
        outcome: list[dict[str, Any]] = []
        verified: dict[str, list[VerifiedCredential]] = {}
        total = 0
        for qid, presentations in raw.items():
            cq = query.by_id.get(qid)
            if cq is None:
                raise VerificationRejected("unknown query id", code="dcql_not_satisfied")
            if not isinstance(presentations, list) or not presentations:
                raise InvalidInput("vp_token values must be arrays", code="invalid_vp_token")
            total += len(presentations)
            if total > MAX_PRESENTATIONS:
                raise InvalidInput("too many presentations", code="invalid_vp_token")
            for i, presentation in enumerate(presentations):
                creds = await self._verify_one(
                    engine, config, cq.format, presentation, row["nonce"]
                )
                for j, cred in enumerate(creds):
                    presented.setdefault(qid, []).append(
                        cred.as_holder_credential(f"{qid}/{i}/{j}")
                    )
                    outcome.append(
                        {
                            "query_id": qid,
                            "format": cred.format,
                            "types": list(cred.types),
                            "issuer": cred.issuer,
                            "status_checked": cred.status_checked,
                        }
                    )
                    verified.setdefault(qid, []).append(cred)
        # §6.4/§6.5: never trust the wallet.
        matches = verify_presented_credentials(query, presented)
        released = {
            qid: [
                _disclosed(cred, match, query.by_id[qid].claims is not None)
                for cred, match in zip(verified[qid], matches[qid], strict=True)
            ]
            for qid in verified
        }
        return outcome, released

    async def _verify_one(
        self,
        engine: VerificationEngine,
        config: VerifierConfig,
        fmt: str,
        presentation: Any,
        nonce: str,
    ) -> list[VerifiedCredential]:
        if fmt == "dc+sd-jwt":
            if not isinstance(presentation, str):
                raise InvalidInput("SD-JWT presentation must be a string", code="invalid_vp_token")
            # §B.3.6: KB-JWT aud is the client_id including its prefix, nonce the request's.
            return [
                await engine.verify_sd_jwt_vc(presentation, audience=config.client_id, nonce=nonce)
            ]
        if fmt == "ldp_vc":
            if not isinstance(presentation, dict):
                raise InvalidInput("ldp_vp must be an object", code="invalid_vp_token")
            vp = await engine.verify_data_integrity_presentation(
                presentation, challenge=nonce, domain=config.client_id
            )
            return list(vp.credentials)
        if fmt == "jwt_vc_json":
            if not isinstance(presentation, str):
                raise InvalidInput("vp+jwt must be a string", code="invalid_vp_token")
            vp = await engine.verify_vp_jwt(presentation, nonce=nonce, audience=config.client_id)
            return list(vp.credentials)
        raise VerificationRejected("format not supported", code="format_not_accepted")

    # --- expiry ------------------------------------------------------------------------------

    async def purge_expired(self) -> int:
        """Wipe the secrets of expired requests (:func:`store.wipe_expired_secrets`); the claims a
        verifier has not read are kept ``RESULT_GRACE_S`` after the wallet's response."""
        async with self._autocommit.connect() as conn:
            return await store.wipe_expired_secrets(conn, self._clock_ms(), RESULT_GRACE_S * 1000)

    # --- result (once) ---------------------------------------------------------------------------

    async def result(self, tenant: str, request_id: str, secret: str) -> PresentationResult:
        async with self._autocommit.connect() as conn:
            row = await store.get(conn, tenant, request_id)
        if row is None or not hmac.compare_digest(_sha256(secret), row["secret_hash"]):
            raise Forbidden()  # one answer for unknown ids and wrong secrets
        claims = None
        sealed = row["sealed_result"]
        if row["status"] == "verified" and sealed is not None:
            # Only the reader whose conditional delete succeeds gets the claims (release once).
            async with self._autocommit.connect() as conn:
                won = await store.take_sealed_result(conn, request_id, self._clock_ms())
            if won:
                _, plaintext = jwe_decrypt(sealed, result_private_key(secret))
                claims = msgspec.json.decode(plaintext)
        status, reasons = _view(row, self._clock_ms())
        return PresentationResult(
            id=row["id"],
            status=status,
            reasons=reasons,
            outcome=list(row["outcome"] or []),
            claims=claims,
            claims_released=claims is not None
            or row["result_read_at_ms"] is not None
            or (row["status"] == "verified" and sealed is not None),
            # Verified, never read, and the sealed claims wiped (purge_expired): gone for good.
            claims_expired=row["status"] == "verified"
            and sealed is None
            and row["result_read_at_ms"] is None,
        )


# Released with every SD-JWT VC: who issued it, of what type, for how long (SD-JWT VC §3.2.2).
_SD_JWT_METADATA: Final[tuple[str, ...]] = ("iss", "vct", "iat", "nbf", "exp")


def _disclosed(cred: VerifiedCredential, match: CredentialMatch, asked: bool) -> dict[str, Any]:
    """What the verifier gets of one credential that passed every check.

    When the Credential Query names claims, only those (the paths the match selected) and the
    credential's metadata: a wallet that discloses more than asked does not get the extra to the
    verifier (SECURITY P-03; OpenID4VP §6.4: the verifier must not rely on the wallet). Without
    claims in the query, what was presented (for SD-JWT VC, the claims not selectively
    disclosable), minus the holder key and status reference.
    """
    if cred.format == "dc+sd-jwt":
        if not asked:
            return {k: v for k, v in cred.claims.items() if k not in ("cnf", "_sd_alg", "status")}
        meta: dict[str, Any] = {k: cred.claims[k] for k in _SD_JWT_METADATA if k in cred.claims}
        return _project(cred.claims, match.claim_paths, meta)
    if not asked:
        return {
            "credentialSubject": cred.claims.get("credentialSubject"),
            "type": cred.claims.get("type"),
        }
    return _project(cred.claims, match.claim_paths, {"type": cred.claims.get("type")})


def _project(source: Any, paths: Sequence[Sequence[Any]], out: dict[str, Any]) -> dict[str, Any]:
    """``out`` plus the values of ``source`` at each concrete claims path (objects keep their
    keys; arrays keep the selected elements, in order)."""
    picked: dict[Any, Any] = {}
    for path in paths:
        _pick(source, list(path), picked)
    out.update(_build(picked))
    return out


def _pick(source: Any, path: list[Any], node: dict[Any, Any]) -> None:
    """Record ``path`` in ``node`` (a tree keyed by member names and array indexes)."""
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        if not isinstance(source, list) or not 0 <= head < len(source):
            return
    elif not isinstance(source, dict) or head not in source:
        return
    value = source[head]
    if not rest:
        node[head] = _WHOLE, value
        return
    child = node.get(head)
    if isinstance(child, tuple):  # the whole value is already released
        return
    node[head] = child if isinstance(child, dict) else {}
    _pick(value, rest, node[head])


def _build(node: dict[Any, Any]) -> Any:
    built = {k: v[1] if isinstance(v, tuple) else _build(v) for k, v in node.items()}
    if built and all(isinstance(k, int) for k in built):  # array indexes: a compact array
        return [built[i] for i in sorted(built)]
    return built


_WHOLE: Final = object()


def _private_jwk(key: Any, *, kid: str) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric import ec as _ec

    assert isinstance(key, _ec.EllipticCurvePrivateKey)
    numbers = key.private_numbers()
    jwk = dict(public_jwk(key.public_key()))
    jwk["d"] = b64url_encode(numbers.private_value.to_bytes(32, "big"))
    jwk["kid"] = kid
    return jwk


def _view(
    row: Mapping[str, Any], now_ms: int
) -> tuple[Literal["pending", "verified", "rejected"], list[str]]:
    """Status and reasons as readers see them: "processing" (a response being verified) is
    still pending; a request that expired unanswered is rejected with request_expired, without
    any write (a late response changes nothing)."""
    status = row["status"]
    if status == "pending" and now_ms >= row["expires_at_ms"]:
        return "rejected", ["request_expired"]
    public: Literal["pending", "verified", "rejected"] = (
        "pending" if status == "processing" else cast(Any, status)
    )
    return public, list(row["reasons"] or [])


def _status(row: Mapping[str, Any], now_ms: int) -> PresentationRequestStatus:
    status, reasons = _view(row, now_ms)
    return PresentationRequestStatus(
        id=row["id"],
        status=status,
        purpose=row["purpose"],
        response_mode=row["response_mode"],
        reasons=reasons,
        outcome=list(row["outcome"] or []),
        created_at_ms=row["created_at_ms"],
        expires_at_ms=row["expires_at_ms"],
        completed_at_ms=row["completed_at_ms"],
    )
