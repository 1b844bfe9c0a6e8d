"""DCQL (OpenID4VP 1.0 §6–7): parse queries, process claims path pointers, match credentials.

>>> query = parse_dcql_query({"credentials": [{"id": "pid", "format": "dc+sd-jwt",
...     "meta": {"vct_values": ["https://example.gc.ca/pid"]},
...     "claims": [{"path": ["address", "locality"]}]}]})
>>> cred = HolderCredential("c1", "dc+sd-jwt",
...     {"vct": "https://example.gc.ca/pid", "address": {"locality": "Ottawa"}},
...     disclosures={("address",): "WyJzYWx0IiwiYWRkcmVzcyIse31d"})
>>> result = evaluate_dcql_query(query, [cred])
>>> result.satisfiable, result.selection["pid"][0].claim_paths
(True, (('address', 'locality'),))
"""

from sceau.core.dcql.errors import (
    ClaimsPathError,
    DcqlNotSatisfied,
    DuplicateDcqlId,
    InvalidClaimsPath,
    InvalidDcqlQuery,
    UnsupportedCredentialFormat,
)
from sceau.core.dcql.match import (
    CredentialMatch,
    DcqlResult,
    HolderCredential,
    evaluate_dcql_query,
    match_credential,
    verify_presented_credentials,
)
from sceau.core.dcql.path import select_claims, select_mdoc_claim
from sceau.core.dcql.query import (
    FORMATS,
    ClaimsQuery,
    CredentialQuery,
    CredentialSetQuery,
    DcqlLimits,
    DcqlQuery,
    TrustedAuthoritiesQuery,
    parse_claims_path,
    parse_dcql_query,
)
from sceau.core.dcql.sd_jwt import holder_credential_from_sd_jwt, presentation_for_match

__all__ = [
    "FORMATS",
    "ClaimsPathError",
    "ClaimsQuery",
    "CredentialMatch",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlLimits",
    "DcqlNotSatisfied",
    "DcqlQuery",
    "DcqlResult",
    "DuplicateDcqlId",
    "HolderCredential",
    "InvalidClaimsPath",
    "InvalidDcqlQuery",
    "TrustedAuthoritiesQuery",
    "UnsupportedCredentialFormat",
    "evaluate_dcql_query",
    "holder_credential_from_sd_jwt",
    "match_credential",
    "parse_claims_path",
    "parse_dcql_query",
    "presentation_for_match",
    "select_claims",
    "select_mdoc_claim",
    "verify_presented_credentials",
]
