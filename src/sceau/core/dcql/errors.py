"""DCQL errors. The OpenID4VP error for all of them, on the wire, is ``invalid_request``
(the Wallet) or a rejected presentation (the Verifier); the codes here say precisely why."""

from __future__ import annotations

from sceau.core.errors import InvalidInput, VerificationFailed


class InvalidDcqlQuery(InvalidInput):
    """A DCQL query that violates OpenID4VP §6 (missing or ill-typed member, bad reference)."""

    code = "invalid_dcql_query"


class DuplicateDcqlId(InvalidDcqlQuery):
    """The same Credential Query id, or Claims Query id within one query, appears twice."""

    code = "dcql_duplicate_id"


class InvalidClaimsPath(InvalidDcqlQuery):
    """A claims path pointer that is not a non-empty array of strings, nulls and ints (§7)."""

    code = "dcql_invalid_claims_path"


class UnsupportedCredentialFormat(InvalidDcqlQuery):
    """A Credential Format Identifier this implementation does not know (OpenID4VP §B)."""

    code = "dcql_unsupported_format"


class ClaimsPathError(InvalidInput):
    """Processing a claims path pointer against a credential failed (§7.1.1: "return an error")."""

    code = "claims_path_not_found"


class DcqlNotSatisfied(VerificationFailed):
    """Presentations that do not satisfy the query (Verifier side, OpenID4VP §6.4.2 and §8.6)."""

    code = "dcql_not_satisfied"
