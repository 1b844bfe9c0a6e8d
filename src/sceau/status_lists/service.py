"""Status lists and credential records: allocate, record, revoke/suspend/unsuspend, publish.

Allocation (Bitstring Status List §6.5, Token Status List privacy considerations, SECURITY L-05):
a list hands out *positions* 0, 1, 2, ... and publishes position p at index ``perm(p)``, a keyed
permutation of ``[0, size)`` (``_permutation.py``). Indices look random, never repeat, and finding
a free one costs one counter increment. On PostgreSQL the counter is advanced in blocks
(``allocation_block``) in a short transaction of its own, committed at once: the caller's issuance
transaction never holds the list row, and a rolled-back issuance only leaves an unused index
(never a reused one). On SQLite (one writer at a time anyway) the counter moves inside the
caller's transaction, one position at a time, so a rollback hands nothing out twice.

Status changes lock the list row first (version + 1), then update the record and the list's
statuses, and append the audit event, all in one transaction: concurrent changes queue on that
lock and never lose a bit. Served lists are signed once per list version and cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import msgspec
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.errors import InvalidInput
from sceau.core.jose import Signer
from sceau.core.status.bitstring_status_list import (
    MIN_ENTRIES,
    BitstringStatusList,
    BitstringStatusListEntry,
    build_status_list_credential,
)
from sceau.core.status.token_status_list import StatusList, sign_status_list_token
from sceau.core.vc import add_proof
from sceau.core.vc.jose import sign_vc_jwt
from sceau.keys.service import tenant_did
from sceau.settings import Settings
from sceau.status_lists import store
from sceau.status_lists._permutation import IndexPermutation
from sceau.status_lists.errors import (
    CredentialRecordNotFound,
    IllegalStatusTransition,
    StatusListNotFound,
)
from sceau.status_lists.models import (
    STATUS_NAMES,
    CredentialRecord,
    ListKind,
    StatusAction,
    StatusAllocation,
    StatusChange,
)
from sceau.tenants.service import Actor

_NON_ZERO = re.compile(rb"[^\x00]")
LIST_ID = re.compile(r"[0-9a-f]{24}")
PURPOSE_STATUS = {"revocation": 1, "suspension": 2}
SUITE_FOR_ALGORITHM = {
    "ES256": "ecdsa-rdfc-2019",
    "ES384": "ecdsa-rdfc-2019",
    "EdDSA": "eddsa-rdfc-2022",
}
RECORD_ID = re.compile(r"cr_[A-Za-z0-9_-]{22}")
MAX_HASH_LENGTH = 128
MAX_JKT_LENGTH = 64
MAX_TYPE_ID_LENGTH = 63
MAX_FORMAT_LENGTH = 32
MAX_CACHED_LISTS = 10_000
TOKEN_BITS = 2  # 0 valid, 1 invalid (revoked), 2 suspended

# action → (new status, statuses it may come from). Repeating an action that is already in effect
# is a no-op (a retried request succeeds); anything else from "revoked" is refused: revocation is
# final (Token Status List §Status Types Values: INVALID "is final").
_TRANSITIONS: dict[str, tuple[int, tuple[int, ...]]] = {
    "revoke": (1, (0, 2)),
    "suspend": (2, (0,)),
    "unsuspend": (0, (2,)),
}


class SignerSource(Protocol):
    """What this capability needs from the signing keys service (``app.state["keys"]``)."""

    async def get_signer(self, tenant_slug: str, algorithm: str | None = None) -> Signer: ...

    async def issuer_x5c(
        self, tenant_slug: str, kid: str | None, algorithm: str = ...
    ) -> list[str] | None: ...


@dataclass(frozen=True)
class StatusListSettings:
    """Limits and timings, with safe defaults."""

    list_size: int = MIN_ENTRIES  # ≥ 131,072 (BSL §6.1 herd privacy)
    allocation_block: int = 256  # positions reserved per round trip (PostgreSQL)
    ttl_s: int = 300  # TSL ``ttl`` and Cache-Control max-age
    validity_s: int = 24 * 3600  # TSL ``exp`` / BSL ``validUntil`` after signing
    max_claims_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        if self.list_size < MIN_ENTRIES or self.list_size > 1 << 24:
            raise ValueError("list_size must be between 131,072 and 16,777,216")
        if not 1 <= self.allocation_block <= 4096:
            raise ValueError("allocation_block must be between 1 and 4096")
        if not 1 <= self.ttl_s <= self.validity_s:
            raise ValueError("ttl_s must be positive and not exceed validity_s")


@dataclass(frozen=True)
class PublishedList:
    """A signed status list ready to serve, with its cache validators."""

    body: bytes
    media_type: str
    etag: str
    max_age: int
    version: int
    refresh_at: int  # epoch seconds after which it is signed again (half its validity)
    # The signing key and its x5c when signed: a rotation or a new chain re-signs at once.
    signed_with: tuple[str | None, tuple[str, ...]] = (None, ())


@dataclass
class _Block:
    list_id: str
    perm: IndexPermutation
    next: int
    end: int


@dataclass
class _Allocator:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    block: _Block | None = None


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_record_id() -> str:
    return "cr_" + secrets.token_urlsafe(16)


class StatusListService:
    """The DI dependency ``status_lists`` / ``app.state["status_lists"]``."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        public_url: str,
        keys: SignerSource | None = None,
        config: StatusListSettings | None = None,
        allocation_engine: AsyncEngine | None = None,
        clock_ms: Callable[[], int] = _now_ms,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.engine = engine
        # Blocks of positions are reserved on connections outside the main pool, so a reservation
        # never waits for a pool that issuance transactions (each waiting on an allocation) hold.
        self.allocation_engine = allocation_engine or engine
        self.public_url = public_url.rstrip("/")
        self.keys = keys
        self.config = config or StatusListSettings()
        self.clock_ms = clock_ms
        self.random_bytes = random_bytes
        # SQLite allows one writer: a second connection would wait on the caller's own lock.
        self._own_transaction = engine.dialect.name != "sqlite"
        self._allocators: dict[tuple[str, str], _Allocator] = {}
        self._cache: dict[tuple[str, str, str], PublishedList] = {}
        self._cache_locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    # -- URIs ----------------------------------------------------------------------------------

    def issuer_url(self, tenant_slug: str) -> str:
        return f"{self.public_url}/t/{tenant_slug}"

    def list_uri(self, tenant_slug: str, list_id: str, purpose: str | None = None) -> str:
        base = f"{self.issuer_url(tenant_slug)}/status-lists/{list_id}"
        return base if purpose is None else f"{base}/{purpose}"

    # -- allocation ----------------------------------------------------------------------------

    async def allocate(
        self, conn: AsyncConnection, *, tenant_slug: str, format: Literal["dc+sd-jwt", "vc"]
    ) -> StatusAllocation:
        """Allocate a random, never reused status index for one credential.

        ``dc+sd-jwt`` → a Token Status List entry (2 bits); ``vc`` → two Bitstring Status List
        entries (revocation, suspension) at the same index of the list's two credentials.
        """
        if format == "dc+sd-jwt":
            kind: ListKind = "token"
        elif format == "vc":
            kind = "bitstring"
        else:
            raise InvalidInput("status format must be 'dc+sd-jwt' or 'vc'")
        list_id, index = await self._take(conn, tenant_slug, kind)
        if kind == "token":
            # Token Status List §Referenced Token: "status": {"status_list": {"idx", "uri"}}
            uri = self.list_uri(tenant_slug, list_id)
            return StatusAllocation(
                list_ids=(list_id,),
                index=index,
                sd_jwt_status={"status_list": {"idx": index, "uri": uri}},
            )
        entries = [
            BitstringStatusListEntry(
                status_purpose=purpose,
                status_list_index=index,
                status_list_credential=self.list_uri(tenant_slug, list_id, purpose),
            ).to_json()
            for purpose in ("revocation", "suspension")
        ]
        return StatusAllocation(list_ids=(list_id,), index=index, credential_status=entries)

    async def _take(self, conn: AsyncConnection, tenant: str, kind: ListKind) -> tuple[str, int]:
        if not self._own_transaction:
            single = await self._reserve(conn, tenant, kind, 1)
            return single.list_id, single.perm(single.next)
        allocator = self._allocators.setdefault((tenant, kind), _Allocator())
        block = allocator.block
        if block is None or block.next >= block.end:
            async with allocator.lock:
                current = allocator.block
                if current is None or current.next >= current.end:
                    async with self.allocation_engine.begin() as own:
                        current = await self._reserve(
                            own, tenant, kind, self.config.allocation_block
                        )
                    allocator.block = current
                block = current
        position = block.next
        block.next += 1
        return block.list_id, block.perm(position)

    async def _reserve(self, conn: AsyncConnection, tenant: str, kind: str, count: int) -> _Block:
        for _ in range(3):
            got = await store.reserve_positions(conn, tenant, kind, count)
            if got is not None:
                list_id, size, key, start = got
                return _Block(list_id, IndexPermutation(key, size), start, start + count)
            await self._create_list(conn, tenant, kind)
        raise RuntimeError("could not reserve a status list position")  # pragma: no cover

    async def _create_list(self, conn: AsyncConnection, tenant: str, kind: str) -> str:
        list_id = secrets.token_hex(12)
        size = self.config.list_size
        await store.insert_list(
            conn,
            list_id=list_id,
            tenant=tenant,
            kind=kind,
            size=size,
            key=self.random_bytes(32),
            statuses=StatusList(size, TOKEN_BITS).to_bytes(),
            now_ms=self.clock_ms(),
        )
        return list_id

    # -- records -------------------------------------------------------------------------------

    async def record(
        self,
        conn: AsyncConnection,
        *,
        tenant_slug: str,
        type_id: str,
        format: str,
        allocation: StatusAllocation | None,
        expires_at: int | None,
        holder_jkt: str | None,
        credential_hash: str,
        claims: dict[str, Any] | None = None,
        retention_until: int | None = None,
    ) -> str:
        """Record an issued credential in the caller's transaction; returns the record id.

        No claim values are stored unless the type keeps them until ``retention_until``.
        """
        if not type_id or len(type_id) > MAX_TYPE_ID_LENGTH:
            raise InvalidInput("type_id is empty or too long")
        if not format or len(format) > MAX_FORMAT_LENGTH:
            raise InvalidInput("format is empty or too long")
        if not credential_hash or len(credential_hash) > MAX_HASH_LENGTH:
            raise InvalidInput("credential_hash is empty or too long")
        if holder_jkt is not None and (not holder_jkt or len(holder_jkt) > MAX_JKT_LENGTH):
            raise InvalidInput("holder_jkt is empty or too long")
        if claims is not None:
            if retention_until is None:
                raise InvalidInput(
                    "claim values are kept only with a retention period",
                    code="claims_without_retention",
                )
            if len(msgspec.json.encode(claims)) > self.config.max_claims_bytes:
                raise InvalidInput("claims are too large to retain", code="claims_too_large")
        record_id = new_record_id()
        await store.insert_record(
            conn,
            {
                "id": record_id,
                "tenant": tenant_slug,
                "type_id": type_id,
                "format": format,
                "status_list_id": allocation.list_ids[0] if allocation else None,
                "status_index": allocation.index if allocation else None,
                "status": 0,
                "expires_at": expires_at,
                "holder_jkt": holder_jkt,
                "credential_hash": credential_hash,
                "claims": claims,
                "retention_until": retention_until if claims is not None else None,
                "created_at_ms": self.clock_ms(),
                "status_changed_at_ms": None,
            },
        )
        return record_id

    async def get_record(self, tenant_slug: str, record_id: str) -> CredentialRecord:
        if not RECORD_ID.fullmatch(record_id):
            raise CredentialRecordNotFound()
        async with self.engine.connect() as conn:
            found = await store.get_record(conn, record_id, tenant_slug)
        if found is None:
            raise CredentialRecordNotFound()
        return found

    async def tenant_of_record(self, record_id: str) -> str:
        """The tenant of a record (CLI: operators name a record by id alone)."""
        if not RECORD_ID.fullmatch(record_id):
            raise CredentialRecordNotFound()
        async with self.engine.connect() as conn:
            found = await store.get_record(conn, record_id)
        if found is None:
            raise CredentialRecordNotFound()
        return found.tenant

    # -- status changes ------------------------------------------------------------------------

    async def change_status(
        self,
        conn: AsyncConnection,
        *,
        tenant_slug: str,
        record_id: str,
        action: StatusAction,
        actor: Actor,
    ) -> StatusChange:
        """Revoke (final), suspend or unsuspend a credential in the caller's transaction, audited.

        Raises :class:`CredentialRecordNotFound` (404) for an unknown, malformed or other tenant's
        record and :class:`IllegalStatusTransition` (409) e.g. for unsuspending a revoked one.
        """
        if action not in _TRANSITIONS:
            raise InvalidInput("action must be revoke, suspend or unsuspend")
        if not RECORD_ID.fullmatch(record_id):
            raise CredentialRecordNotFound()
        now = self.clock_ms()
        new, allowed_from = _TRANSITIONS[action]
        # First statement is a write: locks the record's list (if it has one) before any read.
        locked = await store.lock_list_of_record(conn, tenant_slug, record_id, now)
        current = await store.get_record(conn, record_id, tenant_slug)
        if current is None:
            raise CredentialRecordNotFound()
        old = {"valid": 0, "revoked": 1, "suspended": 2}[current.status]
        if old == new:
            return StatusChange(record_id=record_id, status=current.status, changed=False)
        if old not in allowed_from:
            raise IllegalStatusTransition(status=current.status, action=action)
        if not await store.set_record_status(
            conn, record_id, new=new, allowed_from=allowed_from, now_ms=now
        ):  # pragma: no cover - the list lock (or SQLite's write lock) serialises changes
            raise IllegalStatusTransition(status=current.status, action=action)
        if locked is not None and current.status_index is not None:
            list_id, statuses = locked
            status_list = StatusList.from_bytes(statuses, TOKEN_BITS)
            status_list.set(current.status_index, new)
            await store.write_statuses(conn, list_id, status_list.to_bytes())
        await audit_record(
            conn,
            AuditEvent(
                actor=actor.id,
                action=f"credential.{action}",
                target=f"credential:{record_id}",
                tenant=tenant_slug,
                request_id=actor.request_id,
                details={"type": current.type_id, "from": current.status, "to": STATUS_NAMES[new]},
            ),
            at_ms=now,
        )
        return StatusChange(record_id=record_id, status=STATUS_NAMES[new], changed=True)

    async def confirm_not_revoked(self, tenant_slug: str, record_id: str) -> StatusChange:
        """VC API "revocation: false": nothing to change unless revoked, which is final (409)."""
        record = await self.get_record(tenant_slug, record_id)
        if record.status == "revoked":
            raise IllegalStatusTransition(status="revoked", action="unrevoke")
        return StatusChange(record_id=record_id, status=record.status, changed=False)

    async def change_status_now(
        self, *, tenant_slug: str, record_id: str, action: StatusAction, actor: Actor
    ) -> StatusChange:
        """:meth:`change_status` in a transaction of its own (admin API, VC API, CLI)."""
        async with self.engine.begin() as conn:
            return await self.change_status(
                conn, tenant_slug=tenant_slug, record_id=record_id, action=action, actor=actor
            )

    # -- publishing ----------------------------------------------------------------------------

    async def publish(
        self, tenant_slug: str, list_id: str, purpose: str | None, *, as_jwt: bool = False
    ) -> PublishedList:
        """The list as served: a Token Status List JWT (``purpose`` None) or a Bitstring Status
        List credential for ``purpose`` (``ldp_vc`` Data Integrity, or ``vc+jwt`` with ``as_jwt``).

        Signed once per list version and cached in this process; each call reads the version,
        so a status change is visible in the next list served (by any process). A new active
        key or a new chain for it (x5c) also re-signs.
        """
        if not LIST_ID.fullmatch(list_id):
            raise StatusListNotFound()
        async with self.engine.connect() as conn:
            head = await store.list_head(conn, tenant_slug, list_id)
        if head is None:
            raise StatusListNotFound()
        kind, version = head
        if (kind == "token") != (purpose is None) or (
            purpose is not None and purpose not in PURPOSE_STATUS
        ):
            raise StatusListNotFound()
        key = (list_id, purpose or "token", "jwt" if as_jwt else "di")
        now = self.clock_ms() // 1000
        signed_with = await self._signed_with(tenant_slug)
        cached = self._cache.get(key)
        if (
            cached is not None
            and cached.version >= version
            and now < cached.refresh_at
            and cached.signed_with == signed_with
        ):
            return cached
        lock = self._cache_locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._cache.get(key)
            if (
                cached is not None
                and cached.version >= version
                and now < cached.refresh_at
                and cached.signed_with == signed_with
            ):
                return cached
            async with self.engine.connect() as conn:
                version, size, statuses = await store.list_statuses(conn, list_id)
            if purpose is None:
                built = await self._sign_token(tenant_slug, list_id, statuses, now)
            else:
                built = await self._sign_bitstring(
                    tenant_slug, list_id, purpose, statuses, size, now, as_jwt=as_jwt
                )
            body, media_type = built
            published = PublishedList(
                body=body,
                media_type=media_type,
                etag=_etag(body),
                max_age=self.config.ttl_s,
                version=version,
                refresh_at=now + self.config.validity_s // 2,
                signed_with=signed_with,
            )
            if len(self._cache) >= MAX_CACHED_LISTS:
                self._cache.clear()
            self._cache[key] = published
            return published

    async def _signed_with(self, tenant_slug: str) -> tuple[str | None, tuple[str, ...]]:
        """The active key and its x5c (both cached by the keys service: no query here)."""
        signer = await self._signer(tenant_slug)
        assert self.keys is not None
        x5c = await self.keys.issuer_x5c(tenant_slug, signer.key_id, signer.algorithm)
        return signer.key_id, tuple(x5c or ())

    async def _signer(self, tenant_slug: str) -> Signer:
        if self.keys is None:
            raise RuntimeError("no signing keys service configured")
        return await self.keys.get_signer(tenant_slug)

    async def _sign_token(
        self, tenant_slug: str, list_id: str, statuses: bytes, now: int
    ) -> tuple[bytes, str]:
        # TSL §Status List Token in JWT Format: sub = the list URI, iat, exp, ttl.
        signer = await self._signer(tenant_slug)
        assert self.keys is not None
        # HAIP 1.0 §"SD-JWT VCs": the key that validates the Status List Token is in x5c.
        x5c = await self.keys.issuer_x5c(tenant_slug, signer.key_id, signer.algorithm)
        token = await sign_status_list_token(
            StatusList.from_bytes(statuses, TOKEN_BITS),
            uri=self.list_uri(tenant_slug, list_id),
            signer=signer,
            header={"x5c": x5c} if x5c else None,
            now=now,
            exp=now + self.config.validity_s,
            ttl=self.config.ttl_s,
            iss=self.issuer_url(tenant_slug),
        )
        return token.encode(), "application/statuslist+jwt"

    async def _sign_bitstring(
        self,
        tenant_slug: str,
        list_id: str,
        purpose: str,
        statuses: bytes,
        size: int,
        now: int,
        *,
        as_jwt: bool,
    ) -> tuple[bytes, str]:
        signer = await self._signer(tenant_slug)
        did = tenant_did(self.public_url, tenant_slug)
        # BSL §2.2 / §3.1: one credential per purpose; ttl in milliseconds.
        document = build_status_list_credential(
            bitstring_for(statuses, size, PURPOSE_STATUS[purpose]),
            id=self.list_uri(tenant_slug, list_id, purpose),
            issuer=did,
            status_purpose=purpose,
            valid_from=_iso(now),
            valid_until=_iso(now + self.config.validity_s),
            ttl_ms=self.config.ttl_s * 1000,
        )
        if as_jwt:  # VC-JOSE-COSE §3.1.1
            token = await sign_vc_jwt(
                document,
                signer,
                now=now,
                exp=now + self.config.validity_s,
                extra_header={"kid": f"{did}#{signer.key_id}"},  # a DID issuer's kid is a DID URL
            )
            return token.encode(), "application/vc+jwt"
        suite = SUITE_FOR_ALGORITHM.get(signer.algorithm)
        if suite is None:
            raise RuntimeError(f"no Data Integrity cryptosuite for {signer.algorithm}")
        secured = await add_proof(
            document,
            signer,
            cryptosuite=suite,
            verification_method=f"{did}#{signer.key_id}",
            created=_iso(now),
        )
        return msgspec.json.encode(secured), "application/vc"

    async def lists(self, tenant_slug: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return await store.lists_of_tenant(conn, tenant_slug)


def _iso(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bitstring_for(statuses: bytes, size: int, status: int) -> BitstringStatusList:
    """The Bitstring Status List with a 1 wherever the 2-bit ``statuses`` hold ``status``.

    Only non-zero bytes are visited: a list is mostly valid credentials.
    """
    bsl = BitstringStatusList(size)
    for match in _NON_ZERO.finditer(statuses):
        byte_index = match.start()
        value = statuses[byte_index]
        for slot in range(4):  # TSL layout: 4 two-bit entries per byte, least significant first
            if (value >> (2 * slot)) & 0b11 == status:
                bsl.set(byte_index * 4 + slot, 1)
    return bsl


def allocation_engine_for(settings: Settings) -> AsyncEngine | None:
    """PostgreSQL: a small engine of its own for block reservations (None on SQLite)."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "postgresql":
        return None
    server_settings = {"application_name": "sceau-status-alloc"}
    if settings.database_schema:
        server_settings["search_path"] = settings.database_schema
    # One reserving coroutine per (tenant, kind) at a time: a tiny pool suffices, and keeping the
    # connection open saves a connection setup per block.
    return create_async_engine(
        url,
        pool_size=1,
        max_overflow=3,
        pool_pre_ping=True,
        connect_args={"server_settings": server_settings},
    )


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def credential_hash(credential: str | bytes) -> str:
    """The hash recorded for a credential: hex SHA-256 of its serialisation."""
    data = credential.encode() if isinstance(credential, str) else credential
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "SignerSource",
    "StatusListService",
    "StatusListSettings",
    "allocation_engine_for",
    "credential_hash",
]
