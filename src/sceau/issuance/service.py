"""The issuance use case: validate claims → allocate status → sign → record, in the caller's
transaction (issue #4 item 8: a failed write after signing returns nothing).

>>> async with engine.begin() as conn:                                     # doctest: +SKIP
...     issued = await issuance.issue(conn, tenant_slug="t", credential_type=ct,
...                                   claims={"given_name": "Jean"}, holder_jwk=jwk)
... # only now, after the commit, hand ``issued.credential`` out
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Literal, Protocol

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.core.dids.did_jwk import did_jwk_from_jwk
from sceau.core.errors import InvalidInput
from sceau.core.jose import Signer, jwk_thumbprint
from sceau.core.sdjwt import issue_sd_jwt_vc
from sceau.core.vc import add_proof
from sceau.core.vc.jose import sign_vc_jwt
from sceau.credential_types.models import CredentialType
from sceau.credential_types.service import CredentialTypeService
from sceau.issuance.formats import (
    SUITE_ALGORITHM,
    SdPlan,
    vc_context,
    vc_document,
    xml_datetime,
)

IssuedFormat = Literal["dc+sd-jwt", "ldp_vc", "jwt_vc_json"]
# VC-JOSE media type (VC-JOSE-COSE §3.1.1) of a jwt_vc_json credential.
VC_JWT_MEDIA_TYPE = "application/vc+jwt"


class IssuedCredential(msgspec.Struct, frozen=True):
    """A signed credential that was recorded in the caller's transaction."""

    credential: str | dict[str, Any]
    format: str
    record_id: str
    expires_at: int = 0
    holder_jkt: str | None = None


class KeySource(Protocol):
    async def get_signer(self, tenant_slug: str, algorithm: str | None = None) -> Signer: ...

    async def issuer_x5c(
        self, tenant_slug: str, kid: str | None, algorithm: str = ...
    ) -> list[str] | None: ...

    def did(self, tenant_slug: str) -> str: ...


class StatusAllocationLike(Protocol):
    @property
    def sd_jwt_status(self) -> dict[str, Any] | None: ...

    @property
    def credential_status(self) -> list[dict[str, Any]] | None: ...


class StatusSource(Protocol):
    async def allocate(
        self, conn: AsyncConnection, *, tenant_slug: str, format: Literal["dc+sd-jwt", "vc"]
    ) -> Any: ...

    async def record(
        self,
        conn: AsyncConnection,
        *,
        tenant_slug: str,
        type_id: str,
        format: str,
        allocation: Any,
        expires_at: int | None,
        holder_jkt: str | None,
        credential_hash: str,
        claims: dict[str, Any] | None = None,
        retention_until: int | None = None,
    ) -> str: ...


class UnsupportedFormatOverride(InvalidInput):
    code = "unsupported_format_override"


def _credential_hash(credential: str | dict[str, Any]) -> str:
    import hashlib

    data = credential.encode() if isinstance(credential, str) else msgspec.json.encode(credential)
    return hashlib.sha256(data).hexdigest()


class IssuanceService:
    """The DI dependency ``issuance`` / ``app.state["issuance"]``."""

    def __init__(
        self,
        *,
        public_url: str,
        credential_types: CredentialTypeService,
        keys: KeySource,
        status_lists: StatusSource,
    ) -> None:
        self.public_url = public_url.rstrip("/")
        self.credential_types = credential_types
        self.keys = keys
        self.status_lists = status_lists
        self._plans: dict[tuple[str, str, int], SdPlan] = {}

    def issuer(self, tenant_slug: str) -> str:
        """The Credential Issuer identifier (OID4VCI §12.2.1), ``iss`` of SD-JWT VCs."""
        return f"{self.public_url}/t/{tenant_slug}"

    def _plan(self, ct: CredentialType) -> SdPlan:
        key = (ct.tenant_slug, ct.id, ct.updated_at_ms)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 10_000:
                self._plans.clear()
            plan = self._plans[key] = SdPlan(ct.selectively_disclosable)
        return plan

    async def issue(
        self,
        conn: AsyncConnection,
        *,
        tenant_slug: str,
        credential_type: CredentialType,
        claims: dict[str, Any],
        holder_jwk: dict[str, Any] | None,
        now: int | None = None,
        vc_format_override: str | None = None,
    ) -> IssuedCredential:
        """Issue one credential of ``credential_type`` for ``claims`` inside ``conn``'s transaction.

        ``holder_jwk`` binds it to the holder (SD-JWT VC ``cnf.jwk``, VC-JOSE ``cnf``, and a
        ``did:jwk`` ``credentialSubject.id`` for the VC formats). ``vc_format_override`` may turn an
        ``ldp_vc`` type into ``jwt_vc_json`` (VC-JOSE). Raises 422 ``invalid_claims`` with the
        failing paths when the claims break the type's schema.
        """
        ct = credential_type
        if ct.tenant_slug != tenant_slug:
            raise InvalidInput("credential type of another tenant", code="unknown_credential_type")
        self.credential_types.validate_claims(ct, claims)
        fmt = self._format(ct, vc_format_override)
        issued_at = int(time.time()) if now is None else int(now)
        expires_at = issued_at + ct.validity_seconds
        holder_jkt = jwk_thumbprint(holder_jwk) if holder_jwk is not None else None
        if fmt == "dc+sd-jwt":
            # The signer first: a tenant's first key is created (and committed) on first use,
            # which must not wait behind this transaction's writes (SQLite has one writer).
            signer = await self.keys.get_signer(tenant_slug)
            allocation = (
                await self.status_lists.allocate(conn, tenant_slug=tenant_slug, format="dc+sd-jwt")
                if ct.status_enabled
                else None
            )
            plan = self._plan(ct)
            # HAIP 1.0 §"Issuer identification and key resolution": the issuer's certificate
            # and chain in x5c (cached per key; the chain of the key that signs), with kid.
            x5c = await self.keys.issuer_x5c(tenant_slug, signer.key_id, signer.algorithm)
            sd_jwt = await issue_sd_jwt_vc(
                ct.vct or "",
                plan.mark(claims),
                signer,
                iss=self.issuer(tenant_slug),
                iat=issued_at,
                exp=expires_at,
                holder_jwk=holder_jwk,
                status=allocation.sd_jwt_status if allocation is not None else None,
                disclosable=[n for n in claims if n in plan.top],
                header={"x5c": x5c} if x5c else None,
            )
            credential: str | dict[str, Any] = sd_jwt.compact
        else:
            subject = dict(claims)
            if holder_jwk is not None:
                subject = {"id": did_jwk_from_jwk(holder_jwk), **subject}
            credential, allocation = await self._sign_vc(
                conn, ct, fmt, tenant_slug, subject, None, issued_at, expires_at, holder_jwk
            )
        record_id = await self._record(
            conn, ct, fmt, tenant_slug, allocation, credential, expires_at, holder_jkt, claims
        )
        return IssuedCredential(credential, fmt, record_id, expires_at, holder_jkt)

    async def issue_document(
        self,
        conn: AsyncConnection,
        *,
        tenant_slug: str,
        credential_type: CredentialType,
        credential: Mapping[str, Any],
        now: int | None = None,
        vc_format_override: str | None = None,
    ) -> IssuedCredential:
        """VC API issuing: secure a caller-built VCDM 2.0 ``credential`` of a VC type.

        Its ``credentialSubject`` (minus ``id``) is checked against the type's schema; ``issuer``
        is set to the tenant's DID (a different issuer is refused, VC API §Issue Credential 400);
        ``validFrom``/``validUntil`` default from the type; ``credentialStatus`` is added when
        the type uses status.
        """
        ct = credential_type
        fmt = self._format(ct, vc_format_override)
        if fmt == "dc+sd-jwt":
            raise UnsupportedFormatOverride("the VC API issues VC types only")
        if "proof" in credential:
            raise InvalidInput("the credential already has a proof", code="proof_not_allowed")
        if "credentialStatus" in credential:
            raise InvalidInput("credentialStatus is set by the issuer", code="status_not_allowed")
        did = self.keys.did(tenant_slug)
        given = credential.get("issuer")
        given_id = given.get("id") if isinstance(given, Mapping) else given
        if given_id is not None and given_id != did:
            raise InvalidInput("issuer does not match this tenant", code="invalid_issuer")
        subject = credential.get("credentialSubject")
        if not isinstance(subject, Mapping):
            raise InvalidInput("credentialSubject must be one object", code="invalid_credential")
        claims = {k: v for k, v in subject.items() if k != "id"}
        self.credential_types.validate_claims(ct, claims)
        issued_at = int(time.time()) if now is None else int(now)
        expires_at = issued_at + ct.validity_seconds
        base = {k: v for k, v in credential.items() if k != "credentialSubject"}
        signed, allocation = await self._sign_vc(
            conn, ct, fmt, tenant_slug, dict(subject), base, issued_at, expires_at, None
        )
        record_id = await self._record(
            conn, ct, fmt, tenant_slug, allocation, signed, expires_at, None, claims
        )
        return IssuedCredential(signed, fmt, record_id, expires_at, None)

    def _format(self, ct: CredentialType, override: str | None) -> IssuedFormat:
        if override is None or override == ct.format:
            return ct.format
        if ct.format == "ldp_vc" and override == "jwt_vc_json":
            return "jwt_vc_json"
        raise UnsupportedFormatOverride(f"{ct.format} cannot be issued as {override}")

    async def _sign_vc(
        self,
        conn: AsyncConnection,
        ct: CredentialType,
        fmt: IssuedFormat,
        tenant_slug: str,
        subject: dict[str, Any],
        base: Mapping[str, Any] | None,
        issued_at: int,
        expires_at: int,
        holder_jwk: dict[str, Any] | None,
    ) -> tuple[str | dict[str, Any], Any]:
        if fmt == "ldp_vc":
            suite = ct.cryptosuite or "ecdsa-rdfc-2019"
            signer = await self.keys.get_signer(tenant_slug, SUITE_ALGORITHM[suite])
        else:
            signer = await self.keys.get_signer(tenant_slug)
        allocation = (
            await self.status_lists.allocate(conn, tenant_slug=tenant_slug, format="vc")
            if ct.status_enabled
            else None
        )
        did = self.keys.did(tenant_slug)
        document = vc_document(
            ct,
            context=vc_context(self.issuer(tenant_slug)),
            issuer=did,
            subject=subject,
            valid_from=issued_at,
            valid_until=expires_at,
            credential_status=allocation.credential_status if allocation is not None else None,
            base=base,
        )
        if fmt == "ldp_vc":
            secured = await add_proof(
                document,
                signer,
                cryptosuite=suite,
                verification_method=f"{did}#{signer.key_id}",
                created=xml_datetime(issued_at),
            )
            return secured, allocation
        token = await sign_vc_jwt(
            document,
            signer,
            now=issued_at,
            exp=expires_at,
            cnf={"jwk": holder_jwk} if holder_jwk is not None else None,
            extra_header={"kid": f"{did}#{signer.key_id}"},
        )
        return token, allocation

    async def _record(
        self,
        conn: AsyncConnection,
        ct: CredentialType,
        fmt: str,
        tenant_slug: str,
        allocation: Any,
        credential: str | dict[str, Any],
        expires_at: int,
        holder_jkt: str | None,
        claims: dict[str, Any],
    ) -> str:
        retention_until = (
            expires_at + ct.retention_days * 86400 if ct.retention_days is not None else None
        )
        return await self.status_lists.record(
            conn,
            tenant_slug=tenant_slug,
            type_id=ct.id,
            format=fmt,
            allocation=allocation,
            expires_at=expires_at,
            holder_jkt=holder_jkt,
            credential_hash=_credential_hash(credential),
            claims=claims if retention_until is not None else None,
            retention_until=retention_until,
        )
