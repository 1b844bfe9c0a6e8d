"""Errors of the status-lists capability (stable codes; messages in the EN/FR catalogues)."""

from __future__ import annotations

from sceau.errors import Conflict, NotFound, ServiceError


class CredentialRecordNotFound(NotFound):
    """Unknown or malformed record id, or a record of another tenant (one answer for all)."""

    code = "credential_record_not_found"


class IllegalStatusTransition(Conflict):
    """E.g. unsuspending or suspending a revoked credential: revocation is final."""

    code = "illegal_status_transition"


class StatusListNotFound(NotFound):
    code = "status_list_not_found"


class HistoricalStatusNotSupported(ServiceError):
    """``?timestamp=`` asks for a past list: unsupported (TSL privacy-historical, SECURITY L-05)."""

    code = "historical_status_not_supported"
    status = 400
