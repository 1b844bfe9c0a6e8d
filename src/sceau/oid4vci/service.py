"""OpenID4VCI use cases: offers, token, nonce, credential, deferred credential, notification.

Every request is one database transaction holding all its state changes, so a retried request
never gets a second credential where the spec makes something one-time (pre-authorized code,
c_nonce, DPoP jti, one issuance per configuration and access token), and a credential is returned
only after the transaction that recorded it committed (sign → persist → return).

Collaborators of other capabilities (``credential_types``, ``issuance``) are looked up by name in
``services`` (the app state) on use, so registration order in the app factory does not matter.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import quote

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.errors import InvalidInput, SceauError
from sceau.core.jose import jwe_encrypt_ecdh_es
from sceau.errors import NotFound, OAuthError
from sceau.oauth.dpop import DpopProof, verify_dpop_proof
from sceau.oauth.errors import OAuthProtocolError, invalid_token
from sceau.oauth.store import remember_jti
from sceau.oauth.tokens import new_token, token_hash
from sceau.oid4vci import store
from sceau.oid4vci.attestation import KeyAttestation, verify_key_attestation
from sceau.oid4vci.authorization import (
    GRANT_CREATOR,
    authorization_code_grant,
    forget_issued_claims,
)
from sceau.oid4vci.client_attestation import (
    NO_ATTESTATION,
    AttestationHeaders,
    WalletClient,
    authenticate_wallet,
)
from sceau.oid4vci.config import Oid4vciConfig
from sceau.oid4vci.encryption import (
    JWT_MEDIA_TYPE,
    RequestDecryptionKey,
    decrypt_request,
    request_decryption_key,
)
from sceau.oid4vci.models import OfferCreate, OfferCreated
from sceau.oid4vci.nonces import check_c_nonce, mint_c_nonce
from sceau.oid4vci.proofs import verify_jwt_proof
from sceau.oid4vci.requests import (
    CredentialRequest,
    ResponseEncryption,
    parse_credential_request,
    parse_deferred_request,
    parse_notification,
)
from sceau.oid4vci.tables import AUTHORIZATION_CODE, PRE_AUTHORIZED_CODE
from sceau.oid4vci.wallet_providers import WalletTrust, load_wallet_trust

PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME: Final = "openid-credential-offer://"
MAX_OFFER_TTL_S: Final = 86_400
MAX_FORM_VALUE: Final = 512


class OfferNotFound(NotFound):
    code = "offer_not_found"


class CredentialTypeLike(Protocol):
    id: str
    batch_size: int
    deferred: bool


class IssuedCredentialLike(Protocol):
    credential: str | dict[str, Any]
    record_id: str


@dataclass(frozen=True, slots=True)
class ProtocolResponse:
    """What a protocol handler sends: status, JSON or JWT body, and its media type."""

    status: int
    body: bytes
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class _Caller:
    token_hash: str
    configuration_ids: list[str]
    claims: dict[str, Any]
    # The Token Response carried credential_identifiers (§6.2): requests must use them (§8.2).
    credential_identifiers: bool = False
    # The token's claims came from an upstream login (authorization code grant): they are
    # dropped per configuration once issued (forget_issued_claims); offers keep theirs.
    upstream_claims: bool = False
    # The client the token was issued to; a jwt proof's iss must be it (F.1). None: anonymous.
    client_id: str | None = None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _digits(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


class Oid4vciService:
    def __init__(
        self,
        engine: AsyncEngine,
        config: Oid4vciConfig,
        public_url: str,
        services: Mapping[str, Any],
        *,
        clock: Callable[[], float] = time.time,
        token_factory: Callable[[int], str] = secrets.token_urlsafe,
        pin_factory: Callable[[int], str] = _digits,
    ) -> None:
        self.engine = engine
        self.config = config
        self.public_url = public_url.rstrip("/")
        self.services = services
        self.clock = clock
        self.token_factory = token_factory
        self.pin_factory = pin_factory
        self._nonce_key_cache: bytes | None = None
        self._signer_ready_tenants: set[str] = set()

    # -- identifiers -----------------------------------------------------------------------
    def issuer_id(self, tenant: str) -> str:
        """The tenant's Credential Issuer Identifier (§12.2.1)."""
        return f"{self.public_url}/t/{tenant}"

    def endpoint(self, tenant: str, name: str) -> str:
        return f"{self.issuer_id(tenant)}/{name}"

    def _token(self, nbytes: int = 32) -> str:
        return new_token(nbytes, self.token_factory)

    async def _credential_type(self, tenant: str, type_id: str) -> Any:
        return await self.services["credential_types"].get(tenant, type_id)

    # -- offers (§4) ---------------------------------------------------------------------------
    async def create_offer(
        self, actor: str, request_id: str, tenant: str, data: OfferCreate
    ) -> OfferCreated:
        config = self.config
        ids = data.credential_configuration_ids
        if not ids or len(ids) > config.max_offer_configurations or len(set(ids)) != len(ids):
            raise InvalidInput("credential_configuration_ids", code="invalid_offer")
        for type_id in ids:
            await self._credential_type(tenant, type_id)  # unknown → unknown_credential_type
        authorization_code = data.grant == AUTHORIZATION_CODE
        if authorization_code and (
            data.claims is not None
            or data.claims_by_configuration is not None
            or data.tx_code
            or data.tx_code_description is not None
        ):
            # The claims of an authorization code flow come from the upstream login (§3.4), and
            # a tx_code belongs to the pre-authorized code grant only (§4.1.1).
            raise InvalidInput("grant", code="authorization_code_offer_fields")
        by_config = data.claims_by_configuration or {}
        if set(by_config) - set(ids):
            raise InvalidInput("claims_by_configuration", code="invalid_offer")
        claims: dict[str, Any] | None = None
        if not authorization_code:
            claims = {type_id: by_config.get(type_id, data.claims or {}) for type_id in ids}
            if len(_json(claims)) > config.max_claims_bytes:
                raise SceauError("claims", code="input_too_large", limit=config.max_claims_bytes)
        if data.tx_code_description is not None and len(data.tx_code_description) > 300:
            raise InvalidInput("tx_code_description", code="invalid_offer")
        ttl = data.expires_in or config.offer_ttl_s
        if not 0 < ttl <= MAX_OFFER_TTL_S:
            raise InvalidInput("expires_in", code="invalid_offer")

        now_ms = int(self.clock() * 1000)
        offer_id = self._token(16)
        # The pre-authorized code, or the issuer_state (§4.1.1: opaque to the wallet; 256 bits):
        # only its hash is stored, next to the grant type that says which of the two it is.
        code = self._token(32)
        grants: dict[str, Any]
        pin: str | None = None
        pin_hash = pin_salt = None
        if authorization_code:
            grants = {AUTHORIZATION_CODE: {"issuer_state": code}}
        else:
            grant: dict[str, Any] = {"pre-authorized_code": code}
            if data.tx_code:
                pin = self.pin_factory(config.tx_code_length)
                pin_salt = secrets.token_hex(16)
                pin_hash = _sha256(pin_salt + pin)
                tx: dict[str, Any] = {"input_mode": "numeric", "length": config.tx_code_length}
                if data.tx_code_description:
                    tx["description"] = data.tx_code_description
                grant["tx_code"] = tx
            grants = {PRE_AUTHORIZED_GRANT: grant}
        issuer = self.issuer_id(tenant)
        offer = {
            "credential_issuer": issuer,
            "credential_configuration_ids": list(ids),
            "grants": grants,
        }
        expires_at_ms = now_ms + ttl * 1000
        async with self.engine.begin() as conn:
            await store.insert_offer(
                conn,
                {
                    "id": offer_id,
                    "tenant": tenant,
                    "code_hash": token_hash(code),
                    "grant_type": AUTHORIZATION_CODE if authorization_code else PRE_AUTHORIZED_CODE,
                    "offer": offer,
                    "configuration_ids": list(ids),
                    "claims": claims,
                    "tx_code_hash": pin_hash,
                    "tx_code_salt": pin_salt,
                    "failed_attempts": 0,
                    "created_by": actor[:100],
                    "created_at_ms": now_ms,
                    "expires_at_ms": expires_at_ms,
                },
            )
            await audit_record(
                conn,
                AuditEvent(
                    actor=actor,
                    action="oid4vci.offer.create",
                    target=offer_id,
                    tenant=tenant,
                    request_id=request_id,
                    details={
                        "configurations": ",".join(ids)[:200],
                        "grant": data.grant,
                        "tx_code": data.tx_code,
                    },
                ),
                at_ms=now_ms,
            )
        offer_url = f"{issuer}/offers/{offer_id}"
        admin = f"{self.public_url}/admin/tenants/{tenant}/offers/{offer_id}"
        return OfferCreated(
            id=offer_id,
            credential_offer=offer,
            credential_offer_uri=offer_url,
            offer_uri=f"{OFFER_SCHEME}?credential_offer_uri={quote(offer_url, safe='')}",
            offer_uri_by_value=(
                f"{OFFER_SCHEME}?credential_offer={quote(_json(offer).decode(), safe='')}"
            ),
            qr_png=f"{admin}/qr.png",
            qr_svg=f"{admin}/qr.svg",
            tx_code=pin,
            expires_at_ms=expires_at_ms,
        )

    async def offer_object(self, tenant: str, offer_id: str) -> dict[str, Any]:
        """The live offer for a by-reference fetch (§4.1.3); gone once used, locked or expired."""
        if len(offer_id) > 43:
            raise OfferNotFound()
        async with self.engine.connect() as conn:
            row = await store.offer_by_id(conn, tenant, offer_id)
        now_ms = int(self.clock() * 1000)
        if row is None or row.offer is None or row.used_at_ms or row.expires_at_ms <= now_ms:
            raise OfferNotFound()
        return dict(row.offer)

    async def offer_uri(self, tenant: str, offer_id: str) -> str:
        """The by-reference offer URI of a live offer (the QR code's content)."""
        await self.offer_object(tenant, offer_id)
        url = f"{self.issuer_id(tenant)}/offers/{offer_id}"
        return f"{OFFER_SCHEME}?credential_offer_uri={quote(url, safe='')}"

    # -- token endpoint (§6) -------------------------------------------------------------------
    async def token(
        self,
        tenant: str,
        form: Mapping[str, list[str]],
        dpop: str | None,
        client_attestation: AttestationHeaders = NO_ATTESTATION,
    ) -> ProtocolResponse:
        for name, values in form.items():
            # RFC 6749 §3.2: parameters MUST NOT be included more than once.
            if len(values) != 1 or len(values[0]) > MAX_FORM_VALUE:
                raise OAuthError("invalid_request", parameter=name)
        params = {k: v[0] for k, v in form.items()}
        grant_type = params.get("grant_type")
        if grant_type is None:
            raise OAuthError("invalid_request")
        if grant_type == "authorization_code":
            # PAR + upstream OIDC authorization code flow (§3.4): sceau.oid4vci.authorization.
            status, granted = await authorization_code_grant(
                self.services, tenant, params, dpop, client_attestation
            )
            return ProtocolResponse(status, _json(granted))
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise OAuthError("unsupported_grant_type")
        code = params.get("pre-authorized_code")
        if not code:
            raise OAuthError("invalid_request")
        now = self.clock()
        now_ms = int(now * 1000)
        proof = self._dpop(dpop, "POST", self.endpoint(tenant, "token"), int(now), None, 400)
        if proof is None and not self.config.allow_bearer:
            raise OAuthProtocolError(
                "invalid_dpop_proof",
                headers={
                    "WWW-Authenticate": 'DPoP algs="' + " ".join(self.config.dpop_algorithms) + '"'
                },
            )
        pin = params.get("tx_code")
        failure: OAuthError | None = None
        access_token = self._token(32)
        config = self.config
        async with self.engine.begin() as conn:
            # Client authentication first (HAIP §"Token Endpoint"): a refused wallet changes
            # nothing, the pre-authorized code included (the transaction rolls back).
            wallet = await self.authenticate_wallet(
                conn, tenant, client_attestation, params.get("client_id"), int(now)
            )
            if proof is not None:
                await self._remember(conn, proof)
            offer = None
            if pin is None:
                offer = await store.redeem_offer_without_tx_code(
                    conn, tenant, token_hash(code), now_ms
                )
            if offer is None:
                offer = await self._redeem_checked(conn, tenant, code, pin, now_ms)
            if offer is None:
                failure = OAuthError("invalid_grant")  # wrong tx_code: committed, then raised
            else:
                await store.insert_access_token(
                    conn,
                    {
                        "token_hash": token_hash(access_token),
                        "tenant": tenant,
                        "offer_id": offer.id,
                        "configuration_ids": offer.configuration_ids,
                        "jkt": proof.jkt if proof else None,
                        "created_at_ms": now_ms,
                        "expires_at_ms": now_ms + config.access_token_ttl_s * 1000,
                        # An attested wallet is a known client; anonymous access has none.
                        "client_id": wallet.client_id if wallet is not None else None,
                    },
                )
        if failure is not None:
            raise failure
        body = {
            "access_token": access_token,
            "token_type": "DPoP" if proof is not None else "Bearer",
            "expires_in": config.access_token_ttl_s,
            # No authorization_details: the wallet sent none, and returning them would oblige it
            # to use credential_identifiers (§6.2); it names credential_configuration_ids.
        }
        return ProtocolResponse(200, _json(body))

    async def authenticate_wallet(
        self,
        conn: AsyncConnection,
        tenant: str,
        headers: AttestationHeaders,
        client_id: str | None,
        now: int,
    ) -> WalletClient | None:
        """Wallet Attestation client authentication (Appendix E) at this tenant's AS, on
        ``conn``: ``aud`` is the AS issuer identifier (the Credential Issuer Identifier, as the
        tenant is its own Authorization Server)."""
        return await authenticate_wallet(
            conn,
            tenant,
            headers,
            audience=self.issuer_id(tenant),
            now=now,
            client_id=client_id,
            max_age_s=self.config.client_attestation_max_age_s,
            leeway_s=self.config.client_attestation_leeway_s,
        )

    async def _redeem_checked(
        self, conn: AsyncConnection, tenant: str, code: str, pin: str | None, now_ms: int
    ) -> Any:
        """The slow path with precise errors (§6.3) and tx_code checks (§13.6.3).

        Returns the redeemed offer, or None after recording a wrong tx_code (the caller commits
        that count before answering ``invalid_grant``).
        """
        config = self.config
        offer = await store.offer_by_code_hash(conn, tenant, token_hash(code))
        if (
            offer is None
            or offer.used_at_ms is not None
            or offer.locked_at_ms is not None
            or offer.expires_at_ms <= now_ms
        ):
            raise OAuthError("invalid_grant")
        if offer.tx_code_hash is None:
            if pin is not None:  # §6.3: a tx_code that was not expected
                raise OAuthError("invalid_request")
        else:
            if pin is None:  # §6.3: the expected tx_code is missing
                raise OAuthError("invalid_request")
            if offer.retry_after_ms is not None and now_ms < offer.retry_after_ms:
                raise OAuthError("invalid_grant")  # §13.6.3: rate limit after a wrong code
            expected = _sha256(offer.tx_code_salt + pin)
            if not hmac.compare_digest(expected, offer.tx_code_hash):
                await store.record_failed_tx_code(
                    conn,
                    offer.id,
                    now_ms=now_ms,
                    max_attempts=config.tx_code_max_attempts,
                    backoff_ms=config.tx_code_backoff_s * 1000,
                )
                return None
        if not await store.redeem_offer(conn, offer.id, now_ms):
            raise OAuthError("invalid_grant")  # lost a race: single use (§4.1.1)
        return offer

    # -- nonce endpoint (§7) ---------------------------------------------------------------
    async def _nonce_key(self) -> bytes:
        if self._nonce_key_cache is None:
            async with self.engine.begin() as conn:
                self._nonce_key_cache = await store.nonce_key(
                    conn, secrets.token_bytes(32), int(self.clock() * 1000)
                )
        return self._nonce_key_cache

    async def nonce(self, tenant: str) -> ProtocolResponse:
        """A fresh c_nonce (§7.2), minted without a database write (see ``nonces.py``)."""
        if len(tenant) > 63:
            raise OAuthError("invalid_request")
        expires_at_ms = int(self.clock() * 1000) + self.config.c_nonce_ttl_s * 1000
        nonce = mint_c_nonce(await self._nonce_key(), tenant, expires_at_ms)
        return ProtocolResponse(200, _json({"c_nonce": nonce}))

    # -- protected resources: credential, deferred, notification ---------------------------
    def _dpop(
        self,
        header: str | None,
        method: str,
        url: str,
        now: int,
        access_token: str | None,
        status: int,
    ) -> DpopProof | None:
        if header is None:
            return None
        return verify_dpop_proof(
            header,
            htm=method,
            htu=url,
            now=now,
            algorithms=self.config.dpop_algorithms,
            max_age_s=self.config.dpop_max_age_s,
            leeway_s=self.config.dpop_leeway_s,
            access_token=access_token,
            status=status,
        )

    async def _remember(self, conn: AsyncConnection, proof: DpopProof) -> None:
        expires = (proof.iat + self.config.dpop_max_age_s + self.config.dpop_leeway_s) * 1000
        if not await remember_jti(conn, jkt=proof.jkt, jti=proof.jti, expires_at_ms=expires):
            raise OAuthProtocolError(
                "invalid_dpop_proof",
                status=401,
                headers={"WWW-Authenticate": 'DPoP error="invalid_dpop_proof"'},
            )

    def _bad_token(self) -> OAuthProtocolError:
        return invalid_token("DPoP", algs=self.config.dpop_algorithms)

    def _check_auth(
        self, tenant: str, endpoint: str, authorization: str | None, dpop: str | None
    ) -> tuple[str, DpopProof | None]:
        """Scheme and proof checks that need no database (RFC 9449 §7.1, RFC 6750 §2.1)."""
        scheme, _, access_token = (authorization or "").partition(" ")
        access_token = access_token.strip()
        if not access_token or len(access_token) > 512:
            raise self._bad_token()
        now = int(self.clock())
        if scheme.lower() == "dpop":
            if dpop is None:
                raise self._bad_token()
            proof = self._dpop(
                dpop, "POST", self.endpoint(tenant, endpoint), now, access_token, 401
            )
            return access_token, proof
        if scheme.lower() == "bearer" and self.config.allow_bearer:
            return access_token, None
        raise self._bad_token()

    async def _caller(
        self, conn: AsyncConnection, tenant: str, access_token: str, proof: DpopProof | None
    ) -> _Caller:
        row = await store.access_token(conn, tenant, token_hash(access_token))
        now_ms = int(self.clock() * 1000)
        if row is None or row.expires_at_ms <= now_ms:
            raise self._bad_token()
        if row.jkt is not None:
            # A DPoP-bound token: only with a proof by the same key (RFC 9449 §7.1, §6.1).
            if proof is None or not hmac.compare_digest(proof.jkt, row.jkt):
                raise self._bad_token()
        elif proof is not None:
            raise self._bad_token()
        if proof is not None:
            await self._remember(conn, proof)
        return _Caller(
            row.token_hash,
            list(row.configuration_ids),
            dict(row.claims or {}),
            bool(row.credential_identifiers),
            row.created_by == GRANT_CREATOR,
            row.client_id,
        )

    def _respond(
        self, status: int, body: dict[str, Any], encryption: ResponseEncryption | None
    ) -> ProtocolResponse:
        if encryption is None:
            return ProtocolResponse(status, _json(body))
        # §10: the response is a JWT, encrypted to the wallet's key; the kid is echoed by core.
        jwe = jwe_encrypt_ecdh_es(_json(body), encryption.jwk, enc=encryption.enc)
        return ProtocolResponse(status, jwe.encode("ascii"), "application/jwt")

    def _holder_keys(
        self,
        tenant: str,
        request: CredentialRequest,
        trust: WalletTrust | None,
        client_id: str | None = None,
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The keys to bind one credential each to, and the c_nonces the proofs carry.

        ``jwt`` proofs (F.1): the proof's key, or, with a trusted ``key_attestation`` header, every
        attested key (HAIP 1.0: a batch's keys SHOULD come in one attestation). ``attestation``
        (F.3): the attested keys. Either way the attestation carries a c_nonce (F.1, F.3). When the
        configuration requires key attestation (§12.2.4 ``key_attestations_required``), a ``jwt``
        proof without one is ``invalid_proof`` and nothing is issued.
        """
        now = int(self.clock())
        config = self.config

        def attestation(token: object, *, in_jwt_proof: bool) -> KeyAttestation:
            assert trust is not None
            return verify_key_attestation(
                token,
                trust.policy,
                now=now,
                require_exp=in_jwt_proof,  # D.1: exp "MUST be present" with the jwt proof type
                max_keys=config.max_batch_size,
                leeway_s=config.proof_leeway_s,
            )

        if request.proof_type == "attestation":
            if trust is None:
                raise OAuthError("invalid_proof", message="key_attestation_untrusted")
            verified = attestation(request.proofs[0], in_jwt_proof=False)
            return list(verified.keys), [verified.nonce]
        proofs = [
            verify_jwt_proof(
                p,
                audience=self.issuer_id(tenant),
                now=now,
                algorithms=config.proof_algorithms,
                max_age_s=config.proof_max_age_s,
                leeway_s=config.proof_leeway_s,
                key_attestation=(
                    None if trust is None else lambda token: attestation(token, in_jwt_proof=True)
                ),
                client_id=client_id,
            )
            for p in request.proofs
        ]
        if (
            trust is not None
            and trust.requires_key_attestation(request.configuration_id)
            and any(p.attestation is None for p in proofs)
        ):
            raise OAuthError("invalid_proof", message="key_attestation_required")
        keys: list[dict[str, Any]] = []
        jkts: list[str] = []
        nonces: list[str] = []
        seen: set[str] = set()
        for proof in proofs:
            nonces.append(proof.nonce)
            if proof.attestation is None:
                keys.append(proof.jwk)
                jkts.append(proof.jkt)
            elif proof.attestation.token not in seen:
                # Several proofs may carry the same attestation: its keys count once.
                seen.add(proof.attestation.token)
                keys.extend(proof.attestation.keys)
                jkts.extend(proof.attestation.jkts)
                # F.1: the attestation's nonce is a server-provided c_nonce, used like the proof's.
                nonces.append(proof.attestation.nonce)
        if len(set(jkts)) != len(jkts):
            # Each key binds at most one credential (§8.3): no two credentials share a key.
            raise OAuthError("invalid_proof")
        return keys, nonces

    async def _issue_all(
        self,
        conn: AsyncConnection,
        tenant: str,
        credential_type: Any,
        claims: dict[str, Any],
        holder_jwks: list[dict[str, Any]],
    ) -> tuple[list[dict[str, Any]], list[str]]:
        issuance = self.services["issuance"]
        now = int(self.clock())
        credentials: list[dict[str, Any]] = []
        record_ids: list[str] = []
        for jwk in holder_jwks:
            try:
                issued = await issuance.issue(
                    conn,
                    tenant_slug=tenant,
                    credential_type=credential_type,
                    claims=claims,
                    holder_jwk=jwk,
                    now=now,
                )
            except SceauError as exc:
                if exc.code == "invalid_claims":
                    # The offer's data does not fit the type: nothing the wallet can fix.
                    raise OAuthError("credential_request_denied") from exc
                raise
            credentials.append({"credential": issued.credential})
            record_ids.append(issued.record_id)
        return credentials, record_ids

    async def _signer_ready(self, tenant: str) -> None:
        """Make sure the tenant's signing key exists before our transaction writes anything.

        The key store creates a tenant's first key in a transaction of its own; on SQLite that
        would wait for the write lock our transaction holds. Once per tenant and process.
        """
        if tenant in self._signer_ready_tenants or "keys" not in self.services:
            return
        await self.services["keys"].get_signer(tenant)
        if len(self._signer_ready_tenants) > 10_000:
            self._signer_ready_tenants.clear()
        self._signer_ready_tenants.add(tenant)

    async def _use_nonces(
        self, conn: AsyncConnection, tenant: str, proof_nonces: list[str], now_ms: int, key: bytes
    ) -> None:
        """Each proof's (and key attestation's) nonce must be a live c_nonce of this tenant, not
        used before (F.1, F.3)."""
        nonces: dict[str, int] = {}
        for nonce in proof_nonces:
            expires_at_ms = check_c_nonce(key, tenant, nonce, now_ms)
            if expires_at_ms is None:
                raise OAuthError("invalid_nonce")
            nonces[nonce] = expires_at_ms
        # Proofs of one batch may share a nonce; across requests a nonce works once.
        if not await store.use_c_nonces(conn, tenant, nonces):
            raise OAuthError("invalid_nonce")

    def request_decryption_key(self, tenant: str) -> RequestDecryptionKey | None:
        """The tenant's key for encrypted requests (#encrypted-messages), None if not offered."""
        return request_decryption_key(self.services.get("keys"), tenant)

    def _request_body(self, tenant: str, body: bytes, media_type: str) -> tuple[bytes, bool]:
        """The JSON request and whether it came encrypted (§8.2: application/json or, encrypted,
        application/jwt); decrypted before any state is touched, so a refusal changes nothing."""
        if media_type == JWT_MEDIA_TYPE:
            key = self.request_decryption_key(tenant)
            return decrypt_request(body, key, max_bytes=self.config.max_request_bytes), True
        if media_type != "application/json":
            raise OAuthError("invalid_credential_request")
        return body, False

    async def credential(
        self,
        tenant: str,
        authorization: str | None,
        dpop: str | None,
        body: bytes,
        media_type: str = "application/json",
    ) -> ProtocolResponse:
        access_token, proof = self._check_auth(tenant, "credential", authorization, dpop)
        config = self.config
        plaintext, encrypted = self._request_body(tenant, body, media_type)
        request = parse_credential_request(
            plaintext,
            max_bytes=config.max_request_bytes,
            max_proofs=config.max_batch_size,
            encrypted=encrypted,
        )
        now_ms = int(self.clock() * 1000)
        # Before the transaction: the first load may write the key in a transaction of its own.
        nonce_key = await self._nonce_key()
        await self._signer_ready(tenant)
        async with self.engine.begin() as conn:
            caller = await self._caller(conn, tenant, access_token, proof)
            if request.by_identifier != caller.credential_identifiers:
                # §8.2: credential_identifier only (and always) when the Token Response returned
                # credential_identifiers; without them every identifier is unknown.
                raise OAuthError(
                    "unknown_credential_identifier"
                    if request.by_identifier
                    else "invalid_credential_request"
                )
            if request.by_identifier and request.configuration_id not in caller.configuration_ids:
                raise OAuthError("unknown_credential_identifier")
            try:
                credential_type = await self._credential_type(tenant, request.configuration_id)
            except SceauError as exc:
                raise OAuthError("unknown_credential_configuration") from exc
            if request.configuration_id not in caller.configuration_ids:
                # §8.3.1.1 / RFC 6750 §3.1: the token does not cover this configuration.
                raise OAuthProtocolError(
                    "insufficient_scope",
                    status=403,
                    headers={"WWW-Authenticate": 'DPoP error="insufficient_scope"'},
                )
            if len(request.proofs) > max(1, int(credential_type.batch_size)):
                raise OAuthError("invalid_credential_request")
            trust = await load_wallet_trust(conn, tenant)
            holder_jwks, proof_nonces = self._holder_keys(tenant, request, trust, caller.client_id)
            if len(holder_jwks) > max(1, int(credential_type.batch_size)):
                raise OAuthError("invalid_credential_request")  # more attested keys than a batch
            await self._use_nonces(conn, tenant, proof_nonces, now_ms, nonce_key)
            claims = caller.claims.get(request.configuration_id, {})
            issuance_id = self._token(16)
            row = {
                "id": issuance_id,
                "tenant": tenant,
                "token_hash": caller.token_hash,
                "configuration_id": request.configuration_id,
                "created_at_ms": now_ms,
                "expires_at_ms": now_ms + config.deferred_ttl_s * 1000,
            }
            if getattr(credential_type, "deferred", False):
                transaction_id = self._token(24)
                row.update(
                    state="pending",
                    transaction_id=transaction_id,
                    holder_jwks=holder_jwks,
                    ready_at_ms=now_ms + config.deferred_interval_s * 1000,
                )
                if not await store.claim_issuance(conn, row):
                    raise OAuthError("credential_request_denied")
                body_out: dict[str, Any] = {
                    "transaction_id": transaction_id,
                    "interval": config.deferred_interval_s,
                }
                status = 202
            else:
                row.update(state="issued")
                if not await store.claim_issuance(conn, row):
                    # One credential request per configuration and token (a retry or a second
                    # request must not issue again; a batch is how to get several). Claimed
                    # before signing, so a refused request costs no signature.
                    raise OAuthError("credential_request_denied")
                credentials, _ = await self._issue_all(
                    conn, tenant, credential_type, claims, holder_jwks
                )
                if caller.upstream_claims:
                    await forget_issued_claims(conn, caller.token_hash, request.configuration_id)
                body_out = {"credentials": credentials, "notification_id": issuance_id}
                status = 200
        # Committed: the records exist, so the credentials may leave (sign → persist → return).
        return self._respond(status, body_out, request.encryption)

    async def deferred_credential(
        self,
        tenant: str,
        authorization: str | None,
        dpop: str | None,
        body: bytes,
        media_type: str = "application/json",
    ) -> ProtocolResponse:
        access_token, proof = self._check_auth(tenant, "deferred_credential", authorization, dpop)
        plaintext, encrypted = self._request_body(tenant, body, media_type)
        transaction_id, encryption = parse_deferred_request(
            plaintext, max_bytes=self.config.max_request_bytes, encrypted=encrypted
        )
        now_ms = int(self.clock() * 1000)
        await self._signer_ready(tenant)
        async with self.engine.begin() as conn:
            caller = await self._caller(conn, tenant, access_token, proof)
            pending = await store.pending_by_transaction(
                conn, tenant, caller.token_hash, transaction_id
            )
            if pending is None or pending.expires_at_ms <= now_ms:
                raise OAuthError("invalid_transaction_id")
            if now_ms < pending.ready_at_ms:
                body_out: dict[str, Any] = {
                    "transaction_id": transaction_id,
                    "interval": max(1, (pending.ready_at_ms - now_ms + 999) // 1000),
                }
                return self._respond(202, body_out, encryption)
            try:
                credential_type = await self._credential_type(tenant, pending.configuration_id)
            except SceauError as exc:
                raise OAuthError("credential_request_denied") from exc
            credentials, record_ids = await self._issue_all(
                conn,
                tenant,
                credential_type,
                caller.claims.get(pending.configuration_id, {}),
                list(pending.holder_jwks or []),
            )
            if not await store.complete_pending(conn, pending.id, record_ids, now_ms):
                raise OAuthError("invalid_transaction_id")  # a concurrent request won
            if caller.upstream_claims:
                await forget_issued_claims(conn, caller.token_hash, pending.configuration_id)
        body_out = {"credentials": credentials, "notification_id": pending.id}
        return self._respond(200, body_out, encryption)

    async def notification(
        self, tenant: str, authorization: str | None, dpop: str | None, body: bytes
    ) -> None:
        access_token, proof = self._check_auth(tenant, "notification", authorization, dpop)
        notification_id, event = parse_notification(body, max_bytes=16 * 1024)
        now_ms = int(self.clock() * 1000)
        async with self.engine.begin() as conn:
            caller = await self._caller(conn, tenant, access_token, proof)
            if not await store.record_event(
                conn, tenant, caller.token_hash, notification_id, event, now_ms
            ):
                raise OAuthError("invalid_notification_id")

    async def purge_expired(self) -> int:
        """Delete expired offers (with their claims), tokens, nonces, issuances and DPoP jtis."""
        from sceau.oauth.store import purge_expired_jtis

        now_ms = int(self.clock() * 1000)
        async with self.engine.begin() as conn:
            return await store.purge_expired(conn, now_ms) + await purge_expired_jtis(conn, now_ms)
