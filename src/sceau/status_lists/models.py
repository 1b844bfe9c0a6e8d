"""Data of the status-lists capability: allocations, records, and the wire models of its routes."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

StatusAction = Literal["revoke", "suspend", "unsuspend"]
StatusName = Literal["valid", "revoked", "suspended"]
ListKind = Literal["token", "bitstring"]

# Token Status List §Status Types Values: 0 VALID, 1 INVALID, 2 SUSPENDED.
STATUS_VALUES: dict[StatusName, int] = {"valid": 0, "revoked": 1, "suspended": 2}
STATUS_NAMES: dict[int, StatusName] = {v: k for k, v in STATUS_VALUES.items()}


class StatusAllocation(msgspec.Struct, frozen=True, kw_only=True):
    """A status index allocated to one credential, and what to put in the credential.

    ``sd_jwt_status`` is the SD-JWT VC ``status`` claim (Token Status List §Referenced Token);
    ``credential_status`` the VC ``credentialStatus`` entries (Bitstring Status List §2.1): one
    revocation and one suspension entry at the same index.
    """

    list_ids: tuple[str, ...]
    index: int
    sd_jwt_status: dict[str, Any] | None = None
    credential_status: list[dict[str, Any]] | None = None


class CredentialRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An issued credential as recorded (and as returned by the admin API)."""

    id: str
    tenant: str
    type_id: str
    format: str
    status: StatusName
    status_list_id: str | None
    status_index: int | None
    expires_at: int | None
    holder_jkt: str | None
    credential_hash: str
    created_at_ms: int
    status_changed_at_ms: int | None
    retention_until: int | None = None


class StatusChange(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to revoke / suspend / unsuspend. ``changed`` is false for a repeated action."""

    record_id: str
    status: StatusName
    changed: bool


class VcApiCredentialStatus(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    type: str
    statusPurpose: str
    id: str | None = None
    statusListIndex: str | None = None
    statusListCredential: str | None = None


class VcApiUpdateStatus(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """VC API ``UpdateCredentialStatusRequest`` (``POST /credentials/status``)."""

    credentialId: str
    credentialStatus: VcApiCredentialStatus
    status: bool
    indexAllocator: str | None = None
