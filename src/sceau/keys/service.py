"""Signing-key use cases: create, rotate, revoke, list, and the :class:`KeyStore` port.

Every change writes its audit event in the same transaction. Decrypted signers are cached per
process (app servers are stateless, so the cache is only an optimisation); which key is *active*
is cached for ``active_cache_ttl_s`` (default 5 s), so a rotation or revocation made by another
process takes effect here within that delay, and at once in this process.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Sequence
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

import structlog
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record
from sceau.core.dids.did_web import did_web_from_parts
from sceau.core.dids.document import DID_CONTEXT, MULTIKEY_CONTEXT, build_did_document
from sceau.core.dids.errors import InvalidDid
from sceau.core.jose import PublicKey, Signer, get_algorithm, public_key_from_jwk
from sceau.errors import AlgorithmNotAllowed
from sceau.keys import store
from sceau.keys.certificates import (
    check_leaf,
    dev_certificate_chain,
    leaf_names_issuer,
    load_pem_chain,
    x5c_of,
)
from sceau.keys.errors import (
    IssuerCertificateChainNotFound,
    IssuerCertificateInvalid,
    NoActiveSigningKey,
    SigningKeyNotFound,
    SigningKeyRevoked,
    SigningKeyStateConflict,
)
from sceau.keys.kek import KeyEncryptionKey, load_kek
from sceau.keys.models import (
    PUBLISHED_STATUSES,
    CertificateChain,
    SigningKey,
    SigningKeyRotated,
)
from sceau.keys.ports import GeneratedKey, KeyBackend
from sceau.keys.software import SoftwareKeyBackend
from sceau.settings import Settings
from sceau.tenants.service import Actor, TenantService

__all__ = ["SYSTEM_ACTOR", "KeyStoreService"]

DEFAULT_ALGORITHM: Final = "ES256"
SYSTEM_ACTOR: Final = Actor("system:keys", "")
MAX_CACHED_SIGNERS: Final = 10_000
MAX_KID_LENGTH: Final = 64  # RFC 7638 SHA-256 thumbprints are 43 characters
# FIPS 186-5 Appendix A.4.1: 64 bits more than the order, so the reduction has no usable bias.
_P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_P256_SEED_BYTES: Final = 40
# An uploaded leaf expiring within this is logged (issuer_certificate_expiring), once per process.
CERTIFICATE_EXPIRY_WARNING_MS = 30 * 86_400_000


class _CachedChain(NamedTuple):
    pems: tuple[str, ...]
    x5c: list[str]  # what signatures carry: the chain, leaf first, without its root
    uploaded_not_after_ms: int | None  # the uploaded leaf's notAfter; None for dev chains


# Issuer certificate chains (HAIP 1.0 x5c) are for ES256 keys: the algorithm HAIP requires.
CERTIFIED_ALGORITHM: Final = "ES256"
DEV_LEAF_DAYS: Final = 365

_log = structlog.get_logger("sceau.keys")


def _check_kid(kid: str) -> None:
    if not kid or len(kid) > MAX_KID_LENGTH:
        raise SigningKeyNotFound()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@functools.lru_cache(maxsize=4096)  # a pure function, asked on every VC issuance and DID lookup
def tenant_did(public_url: str, tenant_slug: str) -> str:
    """``did:web:{host}:t:{tenant}``; did:web resolves it to ``{public_url}/t/{tenant}/did.json``.

    did:web §3.2 (Create): the port's colon is percent-encoded, path segments join with ``:``.
    """
    parts = urlsplit(public_url)
    host = (parts.hostname or "").lower()
    path = [seg for seg in parts.path.split("/") if seg] + ["t", tenant_slug]
    try:
        return did_web_from_parts(host, path, port=parts.port, allowed_ports={parts.port or 443})
    except InvalidDid:
        # Development hosts (localhost, IPs) are refused by resolvers but still get a usable DID.
        port = f"%3A{parts.port}" if parts.port else ""
        return f"did:web:{host}{port}:" + ":".join(path)


def _certificate_error(message: str, code: str) -> Exception:
    return IssuerCertificateInvalid(message, code=code)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _chain_record(source: str, certs: Sequence[x509.Certificate]) -> dict[str, Any]:
    """The stored form (column ``x509_chain``): PEMs as re-encoded from the parsed certificates
    (no text around them), leaf first, and the leaf's expiry."""
    return {
        "source": source,
        "pem": [_pem(c) for c in certs],
        "not_after_ms": int(certs[0].not_valid_after_utc.timestamp() * 1000),
    }


def _published_jwk(key: SigningKey) -> dict[str, Any]:
    return {**key.public_jwk, "kid": key.kid, "alg": key.algorithm, "use": "sig"}


class KeyStoreService:
    """Per-tenant signing keys (implements :class:`sceau.keys.ports.KeyStore`).

    >>> keys = KeyStoreService.from_settings(engine, settings)  # doctest: +SKIP
    >>> signer = await keys.get_signer("acme")                  # doctest: +SKIP
    """

    def __init__(
        self,
        engine: AsyncEngine,
        backend: KeyBackend,
        *,
        tenants: TenantService,
        public_url: str,
        clock_ms: Callable[[], int] = _now_ms,
        active_cache_ttl_s: float = 5.0,
        max_page_size: int = 500,
        auto_create: bool = True,
        dev_certificates: bool = False,
    ) -> None:
        self.engine = engine
        self.backend = backend
        self.tenants = tenants
        self.public_url = public_url.rstrip("/")
        self.clock_ms = clock_ms
        self.active_cache_ttl_ms = int(active_cache_ttl_s * 1000)
        self.max_page_size = max_page_size
        self.auto_create = auto_create
        # Outside production, an ES256 key without an uploaded chain gets a dev chain.
        self.dev_certificates = dev_certificates
        # (tenant, kid) -> the stored chain parsed once, or None (no chain).
        self._chains: dict[tuple[str, str], _CachedChain | None] = {}
        # (tenant, kid, event, leaf notAfter) already warned about in this process (issuer_x5c).
        self._x5c_warned: set[tuple[str, str, str, int]] = set()
        self._signers: dict[tuple[str, str], Signer] = {}
        self._agreement_keys: dict[tuple[str, str], ec.EllipticCurvePrivateKey] = {}
        # (tenant, algorithm or "") -> (expires_at_ms, kid, algorithm)
        self._active: dict[tuple[str, str], tuple[int, str, str]] = {}

    @classmethod
    def from_settings(
        cls,
        engine: AsyncEngine,
        settings: Settings,
        *,
        tenants: TenantService | None = None,
        warn: Callable[[str, str], None] | None = None,
    ) -> KeyStoreService:
        """The service with the software backend under the configured (or dev) KEK."""
        kek = load_kek(settings) if warn is None else load_kek(settings, warn=warn)
        return cls(
            engine,
            SoftwareKeyBackend(kek),
            tenants=tenants or TenantService(engine, max_page_size=settings.max_page_size),
            public_url=settings.resolved_public_url,
            max_page_size=settings.max_page_size,
            dev_certificates=settings.environment != "prod",
        )

    # -- the KeyStore port -------------------------------------------------------------------

    async def get_signer(self, tenant_slug: str, algorithm: str | None = None) -> Signer:
        """The signer of the tenant's active key for ``algorithm``.

        ``None`` means ES256 when the tenant policy allows it, else the policy's first algorithm.
        A tenant that never had a key for that algorithm gets one created (and audited) on first
        use; one whose keys were all retired or revoked gets :class:`NoActiveSigningKey`.
        """
        now = self.clock_ms()
        cached = self._active.get((tenant_slug, algorithm or ""))
        if cached is not None and cached[0] > now:
            signer = self._signers.get((tenant_slug, cached[1]))
            if signer is not None:
                return signer
        alg = await self._allowed_algorithm(tenant_slug, algorithm)
        async with self.engine.connect() as conn:
            found = await store.active_key_material(conn, tenant_slug, alg)
        if found is None:
            await self._create_first_key(tenant_slug, alg)
            async with self.engine.connect() as conn:
                found = await store.active_key_material(conn, tenant_slug, alg)
            if found is None:
                raise NoActiveSigningKey(algorithm=alg)
        key, key_ref, custodian_id, chain = found
        if self._needs_dev_chain(key, chain):
            chain = await self._store_dev_chain(tenant_slug, key, replace=chain is not None)
        self._remember_chain(tenant_slug, key.kid, chain)
        signer = self._signers.get((tenant_slug, key.kid))
        if signer is None:
            signer = self.backend.signer(
                tenant_slug=tenant_slug,
                kid=key.kid,
                algorithm=key.algorithm,
                key_ref=key_ref,
                custodian_id=custodian_id,
            )
            if len(self._signers) >= MAX_CACHED_SIGNERS:
                self._signers.clear()
            self._signers[(tenant_slug, key.kid)] = signer
        self._active[(tenant_slug, algorithm or "")] = (
            now + self.active_cache_ttl_ms,
            key.kid,
            key.algorithm,
        )
        return signer

    async def public_jwks(self, tenant_slug: str) -> list[dict[str, Any]]:
        """Public JWKs of the active and retired keys, newest first (RFC 7517 §4, with ``kid``)."""
        return [_published_jwk(k) for k in await self.published_keys(tenant_slug)]

    async def verification_key(self, tenant_slug: str, kid: str) -> PublicKey:
        """The public key of one of the tenant's active or retired keys."""
        _check_kid(kid)
        async with self.engine.connect() as conn:
            key = await store.get_key(conn, tenant_slug, kid)
        if key is None:
            raise SigningKeyNotFound()
        if key.status == "revoked":
            raise SigningKeyRevoked()
        return public_key_from_jwk(key.public_jwk)

    def agreement_key(self, tenant_slug: str, purpose: str) -> ec.EllipticCurvePrivateKey | None:
        """The tenant's long-lived P-256 key-agreement (ECDH) key for ``purpose``, or ``None``.

        Derived from the KEK (:meth:`KeyEncryptionKey.derive`) instead of generated and stored:
        every process computes the same key, nothing is written, and the private key exists only
        in memory, like an opened signing key. ``None`` when the backend holds no KEK (a device
        backend keeps its keys inside), so the caller offers no such encryption. A KEK change
        gives every tenant a new key (wallets read it from the metadata again).
        """
        cached = self._agreement_keys.get((tenant_slug, purpose))
        if cached is not None:
            return cached
        kek = getattr(self.backend, "kek", None)
        if not isinstance(kek, KeyEncryptionKey):
            return None
        seed = kek.derive(purpose, tenant_slug=tenant_slug, length=_P256_SEED_BYTES)
        scalar = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
        key = ec.derive_private_key(scalar, ec.SECP256R1())
        if len(self._agreement_keys) >= MAX_CACHED_SIGNERS:
            self._agreement_keys.clear()
        self._agreement_keys[(tenant_slug, purpose)] = key
        return key

    # -- issuer certificate chains (HAIP 1.0 x5c) --------------------------------------------

    def issuer_identifier(self, tenant_slug: str) -> str:
        """The Credential Issuer identifier (``iss`` of SD-JWT VCs) the leaf must name."""
        return f"{self.public_url}/t/{tenant_slug}"

    async def issuer_x5c(
        self, tenant_slug: str, kid: str | None, algorithm: str = CERTIFIED_ALGORITHM
    ) -> list[str] | None:
        """The ``x5c`` header (RFC 7515 §4.1.6) for signatures by ``kid``: its chain, leaf
        first, without the self-signed root; ``None`` when the key has no chain.

        Hot path (every issuance): a dict lookup. :meth:`get_signer` refreshes the entry of
        the active key with the same query that finds it (every ``active_cache_ttl_s``), so an
        upload by another process is used within that delay, by this one at once.
        """
        if kid is None:
            return None
        try:
            cached = self._chains[(tenant_slug, kid)]
        except KeyError:
            async with self.engine.connect() as conn:
                stored = await store.get_chain(conn, tenant_slug, kid)
            cached = self._remember_chain(tenant_slug, kid, stored)
        if cached is None:
            # Production: HAIP 1.0 §"Issuer identification and key resolution" requires x5c.
            # Only ES256 keys can hold a chain: for the others there is nothing to upload.
            if not self.dev_certificates and algorithm == CERTIFIED_ALGORITHM:
                self._warn_once(tenant_slug, kid, "issuer_x5c_missing", 0)
            return None
        not_after = cached.uploaded_not_after_ms
        if not_after is not None:
            left_ms = not_after - self.clock_ms()
            if left_ms <= 0:
                self._warn_once(tenant_slug, kid, "issuer_certificate_expired", not_after)
            elif left_ms < CERTIFICATE_EXPIRY_WARNING_MS:
                self._warn_once(
                    tenant_slug,
                    kid,
                    "issuer_certificate_expiring",
                    not_after,
                    days_left=left_ms // 86_400_000,
                )
        return cached.x5c

    def _warn_once(
        self, tenant_slug: str, kid: str, event: str, not_after_ms: int, **details: Any
    ) -> None:
        """Log ``event`` once per key (and uploaded leaf) and process: what a HAIP verifier will
        refuse (no x5c, an expired leaf) or soon will, so operators upload a chain
        (``sceau key set-chain``). A renewed chain gets its own warnings."""
        seen = (tenant_slug, kid, event, not_after_ms)
        if seen in self._x5c_warned:
            return
        if len(self._x5c_warned) >= MAX_CACHED_SIGNERS:
            self._x5c_warned.clear()
        self._x5c_warned.add(seen)
        _log.warning(event, tenant=tenant_slug, kid=kid, **details)

    async def certificate_chain(self, tenant_slug: str, kid: str) -> CertificateChain:
        """The stored chain of one key (``issuer_certificate_chain_not_found`` when none)."""
        _check_kid(kid)
        async with self.engine.connect() as conn:
            key = await store.get_key(conn, tenant_slug, kid)
            stored = await store.get_chain(conn, tenant_slug, kid) if key is not None else None
        if key is None:
            await self.tenants.get_tenant(tenant_slug)
            raise SigningKeyNotFound()
        if stored is None:
            raise IssuerCertificateChainNotFound()
        return self._chain_model(tenant_slug, kid, stored)

    async def upload_certificate_chain(
        self, actor: Actor, tenant_slug: str, kid: str, pems: Sequence[str]
    ) -> CertificateChain:
        """Store an uploaded chain for the tenant's active ES256 key ``kid``.

        Checks (HAIP 1.0 §"Issuer identification and key resolution", SD-JWT VC §"Inline X.509
        Certificates", RFC 7515 §4.1.6): PEM certificates, leaf first, each issued by the next;
        the leaf certifies ``kid``'s public key, is valid now, and names the Credential Issuer
        identifier as a URI SAN (or its host as a DNS SAN). Nothing changes on a refusal.
        """
        key = await self._active_key(tenant_slug, kid)
        if key.algorithm != CERTIFIED_ALGORITHM:
            raise IssuerCertificateInvalid(
                "issuer certificates are for ES256 keys",
                code="issuer_x509_algorithm_not_supported",
            )
        certs = load_pem_chain(pems, _certificate_error, prefix="issuer_x509")
        now = dt.datetime.fromtimestamp(self.clock_ms() / 1000, dt.UTC)
        check_leaf(
            certs[0],
            public_key_from_jwk(key.public_jwk),
            now,
            _certificate_error,
            prefix="issuer_x509",
        )
        issuer = self.issuer_identifier(tenant_slug)
        if not leaf_names_issuer(certs[0], issuer, urlsplit(issuer).hostname or ""):
            raise IssuerCertificateInvalid(
                "leaf certificate does not name the credential issuer",
                code="issuer_x509_leaf_name_mismatch",
            )
        chain = _chain_record("uploaded", certs)
        at = self.clock_ms()
        async with self.engine.begin() as conn:
            if not await store.set_chain(conn, tenant_slug, kid, chain):
                raise SigningKeyNotFound()
            await record(
                conn,
                AuditEvent(
                    actor=actor.id,
                    action="signing_key.certificate_chain",
                    target=f"signing_key:{kid}",
                    tenant=tenant_slug,
                    request_id=actor.request_id,
                    details={"source": "uploaded", "certificates": len(certs)},
                ),
                at_ms=at,
            )
        self._remember_chain(tenant_slug, kid, chain)
        return self._chain_model(tenant_slug, kid, chain)

    def _chain_model(self, tenant_slug: str, kid: str, stored: dict[str, Any]) -> CertificateChain:
        cached = self._remember_chain(tenant_slug, kid, stored)
        return CertificateChain(
            kid=kid,
            source=stored["source"],
            x509_chain_pem=list(stored["pem"]),
            x5c=[] if cached is None else list(cached.x5c),
            not_after_ms=int(stored["not_after_ms"]),
        )

    def _remember_chain(
        self, tenant_slug: str, kid: str, stored: dict[str, Any] | None
    ) -> _CachedChain | None:
        """Cache the x5c of a stored chain, parsing it only when it differs from the cached."""
        pems = tuple(stored["pem"]) if stored is not None else None
        cached = self._chains.get((tenant_slug, kid))
        if cached is not None and cached.pems == pems:
            return cached
        entry: _CachedChain | None = None
        if stored is not None and pems is not None:
            try:
                certs = [x509.load_pem_x509_certificate(p.encode("ascii")) for p in pems]
                uploaded = stored.get("source") == "uploaded"
                entry = _CachedChain(
                    pems, x5c_of(certs), int(stored["not_after_ms"]) if uploaded else None
                )
            except ValueError:
                _log.error("x509_chain_unreadable", tenant=tenant_slug, kid=kid)
        if len(self._chains) >= MAX_CACHED_SIGNERS:
            self._chains.clear()
        self._chains[(tenant_slug, kid)] = entry
        return entry

    def _needs_dev_chain(self, key: SigningKey, stored: dict[str, Any] | None) -> bool:
        if not self.dev_certificates or key.algorithm != CERTIFIED_ALGORITHM:
            return False
        if stored is None:
            return True  # a key created before migration 0011
        return stored.get("source") == "dev" and stored["not_after_ms"] <= self.clock_ms()

    def _dev_chain(self, tenant_slug: str, public_key: Any) -> dict[str, Any] | None:
        """A dev CA and a leaf for the key naming the Credential Issuer (URI and DNS SAN)."""
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            return None
        issuer = self.issuer_identifier(tenant_slug)
        pems = dev_certificate_chain(
            public_key,
            urlsplit(issuer).hostname or "localhost",
            uris=[issuer],
            subject=issuer if len(issuer) <= 64 else tenant_slug,
            now=dt.datetime.fromtimestamp(self.clock_ms() / 1000, dt.UTC),
            leaf_days=DEV_LEAF_DAYS,
        )
        certs = [x509.load_pem_x509_certificate(p.encode("ascii")) for p in pems]
        return _chain_record("dev", certs)

    async def _store_dev_chain(
        self, tenant_slug: str, key: SigningKey, *, replace: bool
    ) -> dict[str, Any] | None:
        """Give a key created without a chain (or whose dev leaf expired) a dev chain, once:
        a chain another process stored first wins."""
        chain = self._dev_chain(tenant_slug, public_key_from_jwk(key.public_jwk))
        if chain is None:
            return None
        async with self.engine.begin() as conn:
            if replace:
                await store.set_chain(conn, tenant_slug, key.kid, chain)
            else:
                await store.set_chain(conn, tenant_slug, key.kid, chain, only_if_none=True)
            stored = await store.get_chain(conn, tenant_slug, key.kid)
        return stored

    # -- publication ------------------------------------------------------------------------

    async def published_keys(self, tenant_slug: str) -> list[SigningKey]:
        async with self.engine.connect() as conn:
            keys = await store.list_keys(
                conn, tenant_slug, PUBLISHED_STATUSES, limit=self.max_page_size
            )
        if not keys:
            await self.tenants.get_tenant(tenant_slug)  # 404 for an unknown tenant
        return keys

    def did(self, tenant_slug: str) -> str:
        return tenant_did(self.public_url, tenant_slug)

    async def did_document(self, tenant_slug: str) -> dict[str, Any]:
        """The tenant's did:web document: active and retired keys as Multikey methods."""
        did = self.did(tenant_slug)
        keys = await self.published_keys(tenant_slug)
        if not keys:
            return {
                "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
                "id": did,
                "verificationMethod": [],
                "assertionMethod": [],
                "authentication": [],
            }
        return build_did_document(
            did, [(k.kid, public_key_from_jwk(k.public_jwk)) for k in reversed(keys)]
        )

    # -- lifecycle --------------------------------------------------------------------------

    async def list_keys(self, tenant_slug: str) -> list[SigningKey]:
        await self.tenants.get_tenant(tenant_slug)
        async with self.engine.connect() as conn:
            return await store.list_keys(conn, tenant_slug, limit=self.max_page_size)

    async def create_key(
        self, actor: Actor, tenant_slug: str, algorithm: str = DEFAULT_ALGORITHM
    ) -> SigningKey:
        """Create an active key; an active key of the same algorithm is retired (a rotation)."""
        alg = await self._allowed_algorithm(tenant_slug, algorithm)
        generated = self.backend.generate(alg, tenant_slug=tenant_slug)
        now = self.clock_ms()
        try:
            async with self.engine.begin() as conn:
                current = await store.active_key_material(conn, tenant_slug, alg)
                if current is not None:
                    await self._retire(conn, actor, tenant_slug, current[0].kid, now)
                key = await self._insert(
                    conn, actor, tenant_slug, generated, now, "signing_key.create"
                )
        except IntegrityError:
            # A concurrent change made another key active first (one active key per algorithm).
            raise SigningKeyStateConflict() from None
        self._forget(tenant_slug)
        return key

    async def _active_key(self, tenant_slug: str, kid: str) -> SigningKey:
        """The key ``kid`` of the tenant: 404 when it (or the tenant) does not exist, 409 when it
        is not the active one."""
        _check_kid(kid)
        async with self.engine.connect() as conn:
            key = await store.get_key(conn, tenant_slug, kid)
        if key is None:
            await self.tenants.get_tenant(tenant_slug)  # 404 tenant_not_found first
            raise SigningKeyNotFound()
        if key.status != "active":
            raise SigningKeyStateConflict(status=key.status)
        return key

    async def rotate_key(self, actor: Actor, tenant_slug: str, kid: str) -> SigningKeyRotated:
        """Retire the active key ``kid`` and create a new active key of the same algorithm."""
        old = await self._active_key(tenant_slug, kid)
        alg = await self._allowed_algorithm(tenant_slug, old.algorithm)
        generated = self.backend.generate(alg, tenant_slug=tenant_slug)
        now = self.clock_ms()
        try:
            async with self.engine.begin() as conn:
                retired = await self._retire(conn, actor, tenant_slug, kid, now)
                new = await self._insert(
                    conn, actor, tenant_slug, generated, now, "signing_key.rotate", {"retired": kid}
                )
        except IntegrityError:
            raise SigningKeyStateConflict() from None
        self._forget(tenant_slug)
        return SigningKeyRotated(retired=retired, active=new)

    async def revoke_key(self, actor: Actor, tenant_slug: str, kid: str) -> SigningKey:
        """Revoke an active or retired key: it is no longer published nor usable to verify."""
        _check_kid(kid)
        now = self.clock_ms()
        async with self.engine.begin() as conn:
            moved = await store.set_status(
                conn,
                tenant_slug,
                kid,
                from_statuses=("active", "retired"),
                to_status="revoked",
                at_ms=now,
            )
            key = await store.get_key(conn, tenant_slug, kid)
            if key is None:
                await self.tenants.get_tenant(tenant_slug)
                raise SigningKeyNotFound()
            if moved:
                await record(
                    conn,
                    AuditEvent(
                        actor=actor.id,
                        action="signing_key.revoke",
                        target=f"signing_key:{kid}",
                        tenant=tenant_slug,
                        request_id=actor.request_id,
                        details={"algorithm": key.algorithm},
                    ),
                    at_ms=now,
                )
        self._forget(tenant_slug)
        self._signers.pop((tenant_slug, kid), None)
        return key

    # -- internals --------------------------------------------------------------------------

    async def _allowed_algorithm(self, tenant_slug: str, algorithm: str | None) -> str:
        tenant = await self.tenants.get_tenant(tenant_slug)
        policy = tenant.signing_algorithms
        if algorithm is None:
            algorithm = DEFAULT_ALGORITHM if DEFAULT_ALGORITHM in policy else policy[0]
        if algorithm not in policy:
            raise AlgorithmNotAllowed(
                "algorithm outside the tenant's policy",
                code="signing_algorithm_not_in_policy",
                allowed=", ".join(policy),
            )
        return get_algorithm(algorithm).name

    async def _create_first_key(self, tenant_slug: str, alg: str) -> None:
        if not self.auto_create:
            raise NoActiveSigningKey(algorithm=alg)
        async with self.engine.connect() as conn:
            if await store.count_keys(conn, tenant_slug, alg):
                raise NoActiveSigningKey(algorithm=alg)
        generated = self.backend.generate(alg, tenant_slug=tenant_slug)
        try:
            async with self.engine.begin() as conn:
                await self._insert(
                    conn,
                    SYSTEM_ACTOR,
                    tenant_slug,
                    generated,
                    self.clock_ms(),
                    "signing_key.create",
                    {"reason": "first_use"},
                )
        except IntegrityError:
            pass  # another process created it first (one active key per algorithm)

    async def _insert(
        self,
        conn: AsyncConnection,
        actor: Actor,
        tenant_slug: str,
        generated: GeneratedKey,
        now: int,
        action: str,
        extra: dict[str, str] | None = None,
    ) -> SigningKey:
        chain = None
        if self.dev_certificates and generated.algorithm == CERTIFIED_ALGORITHM:
            chain = self._dev_chain(tenant_slug, public_key_from_jwk(generated.public_jwk))
        key = await store.insert_key(
            conn,
            kid=generated.kid,
            tenant=tenant_slug,
            algorithm=generated.algorithm,
            backend=self.backend.name,
            public_jwk=generated.public_jwk,
            key_ref=generated.key_ref,
            custodian_id=generated.custodian_id,
            created_at_ms=now,
            x509_chain=chain,
        )
        await record(
            conn,
            AuditEvent(
                actor=actor.id,
                action=action,
                target=f"signing_key:{key.kid}",
                tenant=tenant_slug,
                request_id=actor.request_id,
                details={"algorithm": key.algorithm, **(extra or {})},
            ),
            at_ms=now,
        )
        return key

    async def _retire(
        self, conn: AsyncConnection, actor: Actor, tenant_slug: str, kid: str, now: int
    ) -> SigningKey:
        if not await store.set_status(
            conn, tenant_slug, kid, from_statuses=("active",), to_status="retired", at_ms=now
        ):
            raise SigningKeyStateConflict()
        await record(
            conn,
            AuditEvent(
                actor=actor.id,
                action="signing_key.retire",
                target=f"signing_key:{kid}",
                tenant=tenant_slug,
                request_id=actor.request_id,
            ),
            at_ms=now,
        )
        key = await store.get_key(conn, tenant_slug, kid)
        assert key is not None
        return key

    def _forget(self, tenant_slug: str) -> None:
        for cache_key in [k for k in self._active if k[0] == tenant_slug]:
            del self._active[cache_key]
