"""SD-JWT (RFC 9901) and SD-JWT VC for Sceau: issue, present, verify — pure and injectable.

>>> from sceau.core.jose import SoftwareSigner, generate_private_key
>>> from sceau.core.sdjwt import SD, issue_sd_jwt_sync, verify_sd_jwt
>>> signer = SoftwareSigner(generate_private_key())
>>> issued = issue_sd_jwt_sync({"iss": "https://i.example", SD("given_name"): "Jean"}, signer)
>>> verify_sd_jwt(issued.compact, signer.private_key.public_key(),
...               require_key_binding=False).claims["given_name"]
'Jean'
"""

from sceau.core.sdjwt._issue import (
    build_sd_payload,
    issue_sd_jwt,
    issue_sd_jwt_sync,
    spec_disclosure_json,
)
from sceau.core.sdjwt._json_serialization import (
    DEFAULT_MAX_SIGNATURES,
    JsonSerializedSdJwt,
    from_json_serialization,
    parse_json_serialization,
    to_json_serialization,
    verify_sd_jwt_json,
)
from sceau.core.sdjwt._model import (
    DEFAULT_LIMITS,
    HASH_ALGORITHMS,
    SD,
    Disclosure,
    IssuedSdJwt,
    SdJwtLimits,
    VerifiedSdJwt,
    default_salt,
    random_decoy_count,
)
from sceau.core.sdjwt._present import (
    create_presentation,
    create_presentation_sync,
    kb_jwt_payload,
    select_disclosures,
)
from sceau.core.sdjwt._verify import (
    DEFAULT_KB_ALGORITHMS,
    ParsedSdJwt,
    parse_compact,
    process_payload,
    verify_sd_jwt,
)
from sceau.core.sdjwt.vc import (
    NON_DISCLOSABLE_CLAIMS,
    SD_JWT_VC_TYP,
    IssuerKeyResolver,
    JwtVcIssuerMetadataResolver,
    StaticIssuerKeys,
    VerifiedSdJwtVc,
    X5cIssuerResolver,
    issue_sd_jwt_vc,
    issue_sd_jwt_vc_sync,
    verify_sd_jwt_vc,
    verify_sd_jwt_vc_json,
)

__all__ = [
    "DEFAULT_KB_ALGORITHMS",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_SIGNATURES",
    "HASH_ALGORITHMS",
    "NON_DISCLOSABLE_CLAIMS",
    "SD",
    "SD_JWT_VC_TYP",
    "Disclosure",
    "IssuedSdJwt",
    "IssuerKeyResolver",
    "JsonSerializedSdJwt",
    "JwtVcIssuerMetadataResolver",
    "ParsedSdJwt",
    "SdJwtLimits",
    "StaticIssuerKeys",
    "VerifiedSdJwt",
    "VerifiedSdJwtVc",
    "X5cIssuerResolver",
    "build_sd_payload",
    "create_presentation",
    "create_presentation_sync",
    "default_salt",
    "from_json_serialization",
    "issue_sd_jwt",
    "issue_sd_jwt_sync",
    "issue_sd_jwt_vc",
    "issue_sd_jwt_vc_sync",
    "kb_jwt_payload",
    "parse_compact",
    "parse_json_serialization",
    "process_payload",
    "random_decoy_count",
    "select_disclosures",
    "spec_disclosure_json",
    "to_json_serialization",
    "verify_sd_jwt",
    "verify_sd_jwt_json",
    "verify_sd_jwt_vc",
    "verify_sd_jwt_vc_json",
]
