"""Verifiable Credential Data Integrity 1.0: add and verify ``DataIntegrityProof`` proofs.

Signing goes through the :class:`sceau.core.jose.Signer` port (keys may live in an HSM/KMS): the
signer receives the cryptosuite's *hash data* and returns the raw signature (``r || s`` for ECDSA,
as JOSE does). Verification methods are resolved by the caller through a
:class:`VerificationMethodResolver` (DIDs are resolved outside the core).

>>> import asyncio
>>> from sceau.core.jose import SoftwareSigner, generate_private_key
>>> key = generate_private_key("ES256")
>>> signer = SoftwareSigner(key, "ES256", key_id="https://issuer.example/keys#1")
>>> doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
...        "issuer": "https://issuer.example", "credentialSubject": {"id": "urn:uuid:1"}}
>>> signed = asyncio.run(add_proof(doc, signer, cryptosuite="ecdsa-rdfc-2019",
...                                created="2026-01-01T00:00:00Z"))
>>> resolver = StaticResolver({"https://issuer.example/keys#1": key.public_key()})
>>> result = asyncio.run(verify_proofs(signed, resolver, now=1767225600))
>>> result.verified, result.proofs[0].cryptosuite
(True, 'ecdsa-rdfc-2019')
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sceau.core.errors import (
    InvalidInput,
    InvalidKey,
    InvalidSignature,
    SceauError,
    UnsupportedAlgorithm,
    VerificationFailed,
)
from sceau.core.jose import Signer
from sceau.core.multiformats import multibase_decode, multibase_encode
from sceau.core.vc.contexts import StaticDocumentLoader
from sceau.core.vc.cryptosuites import (
    CRYPTOSUITES,
    Cryptosuite,
    PublicKey,
    canonical_proof_config,
    get_cryptosuite,
    hash_data,
    transform_document,
    verify_signature,
)
from sceau.core.vc.jsonld import DEFAULT_LIMITS, JsonLdLimits
from sceau.core.vc.model import parse_datetime_stamp, to_epoch

__all__ = [
    "DEFAULT_CRYPTOSUITES",
    "InvalidChallenge",
    "InvalidDomain",
    "MalformedProof",
    "MismatchedProofPurpose",
    "ProofExpired",
    "ProofGenerationError",
    "ProofResult",
    "StaticResolver",
    "VerificationMethodResolver",
    "VerificationResult",
    "add_proof",
    "add_proof_sync",
    "check_proofs",
    "verify_proofs",
    "verify_proofs_sync",
]

#: Cryptosuites accepted unless the caller narrows the list (the registry is the allow-list).
DEFAULT_CRYPTOSUITES: frozenset[str] = frozenset(CRYPTOSUITES)
PROOF_PURPOSES = frozenset(
    {
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
        "keyAgreement",
    }
)
MAX_PROOFS = 16
MAX_PROOF_VALUE_LENGTH = 512


class MalformedProof(VerificationFailed):
    """A proof lacks a required member or has one of the wrong shape (VC DI §4.4 step 4)."""

    code = "PROOF_VERIFICATION_ERROR"


class ProofGenerationError(InvalidInput):
    """A proof cannot be created from these options (VC DI §4.2, PROOF_GENERATION_ERROR)."""

    code = "PROOF_GENERATION_ERROR"


class MismatchedProofPurpose(VerificationFailed):
    """The proof was made for another purpose than the verifier expects (VC DI §4.4 step 5)."""

    code = "MISMATCHED_PROOF_PURPOSE_ERROR"


class InvalidDomain(VerificationFailed):
    """``domain`` differs from the expected one (VC DI §4.4 step 6)."""

    code = "INVALID_DOMAIN_ERROR"


class InvalidChallenge(VerificationFailed):
    """``challenge`` differs from the expected one (VC DI §4.4 step 7)."""

    code = "INVALID_CHALLENGE_ERROR"


class ProofExpired(VerificationFailed):
    """``expires`` is in the past, or ``created`` is in the future (VC DI §2.1)."""

    code = "proof_expired"


class VerificationMethodResolver(Protocol):
    """Port: verification method id → public key, for a given proof purpose.

    Implementations check that the method is authorised for ``purpose`` by its controller
    (VC DI §5.9 binding, §5.10 verification relationship) and raise ``InvalidKey`` otherwise.
    """

    async def resolve(self, method_id: str, purpose: str) -> PublicKey: ...


@dataclass(frozen=True)
class StaticResolver:
    """Resolver over a fixed map; optionally restricted per purpose (tests, pinned issuer keys)."""

    keys: Mapping[str, PublicKey]
    purposes: Mapping[str, Collection[str]] | None = None

    async def resolve(self, method_id: str, purpose: str) -> PublicKey:
        key = self.keys.get(method_id)
        if key is None:
            raise InvalidKey(
                f"unknown verification method {method_id}", code="unknown_verification_method"
            )
        if self.purposes is not None and purpose not in self.purposes.get(method_id, ()):
            raise InvalidKey(
                f"verification method is not authorised for {purpose}",
                code="verification_method_not_authorized",
            )
        return key


@dataclass(frozen=True)
class ProofResult:
    """Outcome of one proof of a (possibly multi-proof) document."""

    index: int
    id: str | None
    cryptosuite: str | None
    verification_method: str | None
    proof_purpose: str | None
    verified: bool
    error: SceauError | None = None


@dataclass(frozen=True)
class VerificationResult:
    """All proofs of a document. ``verified`` is true only if every proof verified."""

    verified: bool
    document: dict[str, Any]  # the unsecured document (without ``proof``)
    proofs: tuple[ProofResult, ...] = field(default_factory=tuple)

    @property
    def verified_proofs(self) -> tuple[ProofResult, ...]:
        return tuple(p for p in self.proofs if p.verified)


def _now_epoch(now: int | float | datetime | None) -> float:
    if now is None:
        return datetime.now(UTC).timestamp()
    if isinstance(now, datetime):
        return to_epoch(now)
    return float(now)


def _proofs_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    proof = document.get("proof")
    if isinstance(proof, dict):
        return [proof]
    if isinstance(proof, list) and proof and all(isinstance(p, dict) for p in proof):
        if len(proof) > MAX_PROOFS:
            raise MalformedProof("too many proofs", code="input_too_large")
        return proof
    raise MalformedProof("document has no proof object (PARSING_ERROR)", code="PARSING_ERROR")


def _unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _matching_proofs(
    all_proofs: Sequence[Mapping[str, Any]], previous: Any, error: type[SceauError]
) -> list[dict[str, Any]]:
    ids = [previous] if isinstance(previous, str) else previous
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise error("previousProof must be a string or a list of strings")
    by_id = {p.get("id"): p for p in all_proofs if isinstance(p.get("id"), str)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise error(f"previousProof {missing[0]!r} is not in the proof set")
    return [copy.deepcopy(dict(by_id[i])) for i in ids]


async def add_proof(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    cryptosuite: str,
    verification_method: str | None = None,
    proof_purpose: str = "assertionMethod",
    created: str | None = None,
    expires: str | None = None,
    challenge: str | None = None,
    domain: str | list[str] | None = None,
    nonce: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return a copy of ``document`` secured with a new ``DataIntegrityProof`` (VC DI §4.2, §4.3).

    If ``document`` already has proofs, the new proof is added to the proof set; with
    ``previous_proof`` it is chained to the named proofs. ``verification_method`` defaults to
    ``signer.key_id``. ``created`` is taken as given (the core has no clock); omit it to leave it
    out of the proof.
    """
    suite = get_cryptosuite(cryptosuite)
    profile = suite.profile_for_algorithm(signer.algorithm)
    method = verification_method or signer.key_id
    if not method or not isinstance(method, str):
        raise ProofGenerationError("a verification method is required")
    if proof_purpose not in PROOF_PURPOSES:
        raise ProofGenerationError(f"unknown proof purpose {proof_purpose!r}")
    for name, value in (("created", created), ("expires", expires)):
        if value is not None:
            parse_datetime_stamp(value, field=name)
    existing: list[dict[str, Any]] = []
    if "proof" in document:
        existing = [copy.deepcopy(p) for p in _proofs_of(document)]
    input_document = _unsecured(document)
    if previous_proof is not None:
        input_document["proof"] = _matching_proofs(existing, previous_proof, ProofGenerationError)

    proof: dict[str, Any] = {}
    if proof_id is not None:
        proof["id"] = proof_id
    proof["type"] = "DataIntegrityProof"
    proof["cryptosuite"] = suite.name
    if created is not None:
        proof["created"] = created
    if expires is not None:
        proof["expires"] = expires
    proof["verificationMethod"] = method
    proof["proofPurpose"] = proof_purpose
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    if nonce is not None:
        proof["nonce"] = nonce
    if previous_proof is not None:
        proof["previousProof"] = previous_proof

    config = dict(proof)
    if "@context" in document:
        # ECDSA/EdDSA §3.x.5 step 4 (rdfc) and §3.3.1 step 2 (jcs): the proof carries the context.
        config["@context"] = copy.deepcopy(document["@context"])
    canonical_config = canonical_proof_config(suite, config, loader=loader, limits=limits)
    transformed = transform_document(suite, input_document, loader=loader, limits=limits)
    signature = await signer.sign(hash_data(profile, canonical_config, transformed))
    if len(signature) != profile.signature_length:
        raise ProofGenerationError("signer returned a signature of unexpected length")
    if suite.canonicalization == "jcs" and "@context" in document:
        proof["@context"] = config["@context"]
    proof["proofValue"] = multibase_encode(signature, "z")
    secured = _unsecured(document)
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


def _check_options(
    proof: Mapping[str, Any],
    *,
    expected_purpose: str | None,
    challenge: str | None,
    domain: str | Collection[str] | None,
    now: float,
    max_clock_skew: int,
) -> None:
    for member in ("type", "verificationMethod", "proofPurpose", "proofValue", "cryptosuite"):
        if not isinstance(proof.get(member), str):
            raise MalformedProof(f"proof.{member} is missing or not a string")
    if proof["type"] != "DataIntegrityProof":
        raise UnsupportedAlgorithm(
            f"proof type {proof['type']!r} is not supported", code="unknown_proof_type"
        )
    if expected_purpose is not None and proof["proofPurpose"] != expected_purpose:
        raise MismatchedProofPurpose(
            f"proof purpose {proof['proofPurpose']!r}, expected {expected_purpose!r}"
        )
    if domain is not None:
        expected = {domain} if isinstance(domain, str) else set(domain)
        got = proof.get("domain")
        got_set = {got} if isinstance(got, str) else set(got) if isinstance(got, list) else None
        if got_set != expected:
            raise InvalidDomain("proof domain does not match")
    if challenge is not None and proof.get("challenge") != challenge:
        raise InvalidChallenge("proof challenge does not match")
    if "created" in proof:
        created = to_epoch(parse_datetime_stamp(proof["created"], field="proof.created"))
        if created > now + max_clock_skew:
            raise ProofExpired("proof created in the future", code="proof_not_yet_valid")
    if "expires" in proof:
        expires = to_epoch(parse_datetime_stamp(proof["expires"], field="proof.expires"))
        if expires < now - max_clock_skew:
            raise ProofExpired("proof has expired")


async def _verify_one(
    secured: Mapping[str, Any],
    proof: dict[str, Any],
    all_proofs: Sequence[Mapping[str, Any]],
    resolver: VerificationMethodResolver,
    *,
    suites: frozenset[str],
    expected_purpose: str | None,
    challenge: str | None,
    domain: str | Collection[str] | None,
    now: float,
    max_clock_skew: int,
    loader: StaticDocumentLoader | None,
    limits: JsonLdLimits,
) -> None:
    _check_options(
        proof,
        expected_purpose=expected_purpose,
        challenge=challenge,
        domain=domain,
        now=now,
        max_clock_skew=max_clock_skew,
    )
    suite: Cryptosuite = get_cryptosuite(proof["cryptosuite"], suites)
    proof_value = proof["proofValue"]
    if not proof_value.startswith("z") or len(proof_value) > MAX_PROOF_VALUE_LENGTH:
        raise MalformedProof("proofValue must be base58btc multibase")
    signature = multibase_decode(proof_value)

    unsecured = _unsecured(secured)
    if "previousProof" in proof:
        unsecured["proof"] = _matching_proofs(all_proofs, proof["previousProof"], MalformedProof)
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if suite.canonicalization == "jcs":
        if "@context" in config:
            # ECDSA §3.3.2 step 4: the document's context must start with the proof's.
            pctx = config["@context"]
            pctx_list = pctx if isinstance(pctx, list) else [pctx]
            dctx = secured.get("@context")
            dctx_list = dctx if isinstance(dctx, list) else [dctx]
            if dctx_list[: len(pctx_list)] != pctx_list:
                raise InvalidSignature("proof @context does not prefix the document @context")
            unsecured["@context"] = pctx
    else:
        # ECDSA/EdDSA §3.2.5 step 4: the proof configuration takes the document's context.
        config.pop("@context", None)
        if "@context" in secured:
            config["@context"] = secured["@context"]

    key = await resolver.resolve(proof["verificationMethod"], proof["proofPurpose"])
    profile = suite.profile_for_key(key)
    canonical_config = canonical_proof_config(suite, config, loader=loader, limits=limits)
    transformed = transform_document(suite, unsecured, loader=loader, limits=limits)
    verify_signature(profile, key, hash_data(profile, canonical_config, transformed), signature)


async def check_proofs(
    secured: Mapping[str, Any],
    resolver: VerificationMethodResolver,
    *,
    expected_purpose: str | None = "assertionMethod",
    challenge: str | None = None,
    domain: str | Collection[str] | None = None,
    cryptosuites: Collection[str] = DEFAULT_CRYPTOSUITES,
    now: int | float | datetime | None = None,
    max_clock_skew: int = 300,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> VerificationResult:
    """Verify every proof (VC DI §4.4, §4.5) and report each; never raises for a bad proof.

    ``verified`` is true only when every proof verified and every ``previousProof`` it names
    verified too. Use :func:`verify_proofs` to get an exception instead.
    """
    if not isinstance(secured, Mapping):
        raise InvalidInput("a secured document must be a JSON object", code="PARSING_ERROR")
    proofs = _proofs_of(secured)
    suites = frozenset(cryptosuites)
    now_s = _now_epoch(now)
    results: list[ProofResult] = []
    for index, proof in enumerate(proofs):
        error: SceauError | None = None
        try:
            await _verify_one(
                secured,
                proof,
                proofs,
                resolver,
                suites=suites,
                expected_purpose=expected_purpose,
                challenge=challenge,
                domain=domain,
                now=now_s,
                max_clock_skew=max_clock_skew,
                loader=loader,
                limits=limits,
            )
        except SceauError as exc:
            error = exc

        def _s(name: str, p: Mapping[str, Any] = proof) -> str | None:
            value = p.get(name)
            return value if isinstance(value, str) else None

        results.append(
            ProofResult(
                index=index,
                id=_s("id"),
                cryptosuite=_s("cryptosuite"),
                verification_method=_s("verificationMethod"),
                proof_purpose=_s("proofPurpose"),
                verified=error is None,
                error=error,
            )
        )
    # §4.5 / §2.1.2: a proof in a chain counts only if the proofs it names verified too.
    verified_ids = {r.id for r in results if r.verified and r.id is not None}
    final: list[ProofResult] = []
    for r, proof in zip(results, proofs, strict=True):
        prev = proof.get("previousProof")
        prev_ids = [prev] if isinstance(prev, str) else prev if isinstance(prev, list) else []
        if r.verified and any(p not in verified_ids for p in prev_ids):
            r = ProofResult(
                r.index,
                r.id,
                r.cryptosuite,
                r.verification_method,
                r.proof_purpose,
                False,
                VerificationFailed(
                    "a previous proof did not verify", code="PROOF_VERIFICATION_ERROR"
                ),
            )
        final.append(r)
    return VerificationResult(
        verified=all(r.verified for r in final), document=_unsecured(secured), proofs=tuple(final)
    )


async def verify_proofs(
    secured: Mapping[str, Any],
    resolver: VerificationMethodResolver,
    *,
    expected_purpose: str | None = "assertionMethod",
    challenge: str | None = None,
    domain: str | Collection[str] | None = None,
    cryptosuites: Collection[str] = DEFAULT_CRYPTOSUITES,
    now: int | float | datetime | None = None,
    max_clock_skew: int = 300,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> VerificationResult:
    """Like :func:`check_proofs` but raises the first proof's precise error if any failed."""
    result = await check_proofs(
        secured,
        resolver,
        expected_purpose=expected_purpose,
        challenge=challenge,
        domain=domain,
        cryptosuites=cryptosuites,
        now=now,
        max_clock_skew=max_clock_skew,
        loader=loader,
        limits=limits,
    )
    if not result.verified:
        for r in result.proofs:
            if r.error is not None:
                raise r.error
    return result


_T = TypeVar("_T")


def _drive(coro: Coroutine[Any, Any, _T]) -> _T:
    # Runs a coroutine whose awaits never suspend (in-process signer/resolver), without a loop.
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("the signer or resolver suspended; use the async API")


def add_proof_sync(document: Mapping[str, Any], signer: Signer, **options: Any) -> dict[str, Any]:
    """:func:`add_proof` for signers that never suspend (``SoftwareSigner``): tests, CLI, bench."""
    return _drive(add_proof(document, signer, **options))


def verify_proofs_sync(
    secured: Mapping[str, Any], resolver: VerificationMethodResolver, **options: Any
) -> VerificationResult:
    """:func:`verify_proofs` for resolvers that never suspend (e.g. :class:`StaticResolver`)."""
    return _drive(verify_proofs(secured, resolver, **options))
