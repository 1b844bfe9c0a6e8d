"""Errors raised by the status-list codecs.

Codes are the spec's own where one exists: Bitstring Status List §3.5 (``STATUS_*``) and the
VC Data Model 2.0 error types it refers to (``MALFORMED_VALUE_ERROR``, ``RANGE_ERROR``). The IETF
Token Status List defines no codes, so its failures reuse the same ones.
"""

from __future__ import annotations

from sceau.core.errors import InputTooLarge, InvalidInput, VerificationFailed


class MalformedStatusList(InvalidInput):
    """A status list, entry or reference violates a MUST of its data model (bad compression too)."""

    code = "MALFORMED_VALUE_ERROR"


class StatusListTooLarge(InputTooLarge):
    """The compressed or expanded list exceeds the configured cap (decompression bomb)."""

    code = "status_list_too_large"


class StatusIndexOutOfRange(InvalidInput):
    """The referenced index lies outside the list: no statement about the status can be made."""

    code = "RANGE_ERROR"


class StatusVerificationError(VerificationFailed):
    """The status list does not apply to the credential (purpose, subject URI, expiry, type)."""

    code = "STATUS_VERIFICATION_ERROR"


class StatusListLengthError(VerificationFailed):
    """The list holds fewer entries than required for herd privacy (BSL §3.2 step 9)."""

    code = "STATUS_LIST_LENGTH_ERROR"
