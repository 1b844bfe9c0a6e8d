"""W3C Verifiable Credentials 2.0 in the pure core: data model checks, Data Integrity proofs
(``ecdsa-rdfc-2019``, ``ecdsa-jcs-2019``, ``eddsa-rdfc-2022``, ``eddsa-jcs-2022``) and the
JSON-LD → RDFC-1.0 layer over statically shipped contexts. VC-JOSE lives in ``vc.jose``.
"""

from sceau.core.vc.context_validation import (
    ContextNotAllowed,
    EmbeddedContextNotAllowed,
    validate_contexts,
)
from sceau.core.vc.contexts import StaticDocumentLoader
from sceau.core.vc.cryptosuites import CRYPTOSUITES, Cryptosuite, get_cryptosuite
from sceau.core.vc.dataintegrity import (
    DEFAULT_CRYPTOSUITES,
    InvalidChallenge,
    InvalidDomain,
    MalformedProof,
    MismatchedProofPurpose,
    ProofExpired,
    ProofGenerationError,
    ProofResult,
    StaticResolver,
    VerificationMethodResolver,
    VerificationResult,
    add_proof,
    add_proof_sync,
    check_proofs,
    verify_proofs,
    verify_proofs_sync,
)
from sceau.core.vc.jsonld import (
    JsonLdLimits,
    ProtectedTermRedefinition,
    UndefinedTerm,
    to_canonical_nquads,
)
from sceau.core.vc.model import (
    CredentialExpired,
    CredentialNotYetValid,
    InvalidCredential,
    InvalidPresentation,
    check_validity_period,
    parse_datetime_stamp,
    validate_credential,
    validate_presentation,
)
from sceau.core.vc.verification import (
    ControllerMismatch,
    PresentationResult,
    verify_credential,
    verify_presentation,
)

__all__ = [
    "CRYPTOSUITES",
    "DEFAULT_CRYPTOSUITES",
    "ContextNotAllowed",
    "ControllerMismatch",
    "CredentialExpired",
    "CredentialNotYetValid",
    "Cryptosuite",
    "EmbeddedContextNotAllowed",
    "InvalidChallenge",
    "InvalidCredential",
    "InvalidDomain",
    "InvalidPresentation",
    "JsonLdLimits",
    "MalformedProof",
    "MismatchedProofPurpose",
    "PresentationResult",
    "ProofExpired",
    "ProofGenerationError",
    "ProofResult",
    "ProtectedTermRedefinition",
    "StaticDocumentLoader",
    "StaticResolver",
    "UndefinedTerm",
    "VerificationMethodResolver",
    "VerificationResult",
    "add_proof",
    "add_proof_sync",
    "check_proofs",
    "check_validity_period",
    "get_cryptosuite",
    "parse_datetime_stamp",
    "to_canonical_nquads",
    "validate_contexts",
    "validate_credential",
    "validate_presentation",
    "verify_credential",
    "verify_presentation",
    "verify_proofs",
    "verify_proofs_sync",
]
