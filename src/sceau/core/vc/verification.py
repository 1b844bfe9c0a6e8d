"""Verify a Data Integrity secured credential or presentation end to end.

A credential passes when it follows the data model (VCDM 2.0 §4), every proof verifies for
``assertionMethod`` (VC DI §4.4/§4.5), the proof's verification method belongs to the issuer
(VC DI §5.9) and ``now`` is within its validity period (VCDM §4.9). A presentation passes when its
own proof verifies for ``authentication`` with the verifier's ``challenge`` (and ``domain``), the
method belongs to the holder when one is named, and every embedded credential passes — the
presentation proof is never optional (SECURITY W-01).

Status (revocation) is checked outside the core, with the status list of the credential.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sceau.core.errors import VerificationFailed
from sceau.core.vc.context_validation import validate_contexts
from sceau.core.vc.contexts import StaticDocumentLoader
from sceau.core.vc.dataintegrity import (
    DEFAULT_CRYPTOSUITES,
    VerificationMethodResolver,
    VerificationResult,
    verify_proofs,
)
from sceau.core.vc.jsonld import DEFAULT_LIMITS, JsonLdLimits
from sceau.core.vc.model import check_validity_period, validate_credential, validate_presentation

__all__ = ["ControllerMismatch", "PresentationResult", "verify_credential", "verify_presentation"]


class ControllerMismatch(VerificationFailed):
    """The proof's verification method is not the issuer's (or holder's) (VC DI §5.9)."""

    code = "verification_method_not_controlled"


@dataclass(frozen=True)
class PresentationResult:
    """The presentation's own proofs and each embedded credential's result, in order."""

    presentation: VerificationResult
    credentials: tuple[VerificationResult, ...]


def _party_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _check_binding(result: VerificationResult, party: str | None, role: str) -> None:
    # The verification method must be a fragment (or path) under the party's identifier:
    # did:key:zX#zX for did:key:zX, https://issuer.example#key-1 for https://issuer.example.
    if party is None:
        return
    for proof in result.proofs:
        method = proof.verification_method or ""
        controller = method.split("#", 1)[0]
        if controller != party:
            raise ControllerMismatch(
                f"verification method {method!r} is not controlled by the {role} {party!r}",
                role=role,
            )


async def verify_credential(
    credential: Mapping[str, Any],
    resolver: VerificationMethodResolver,
    *,
    now: int | float | datetime,
    cryptosuites: Collection[str] = DEFAULT_CRYPTOSUITES,
    check_issuer_binding: bool = True,
    leeway: int = 0,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
    allowed_contexts: Collection[Sequence[Any]] | None = None,
) -> VerificationResult:
    """Data model + every proof (``assertionMethod``) + issuer binding + validity period, then
    with ``allowed_contexts`` the context validation of VC DI §4.6 (SECURITY W-03; see
    :func:`~sceau.core.vc.validate_contexts`).

    ``check_issuer_binding=False`` leaves the §5.9 check to a resolver that enforces it itself
    (for example one that resolves the issuer's DID document and checks ``assertionMethod``).
    """
    validate_credential(credential)
    result = await verify_proofs(
        credential,
        resolver,
        expected_purpose="assertionMethod",
        cryptosuites=cryptosuites,
        now=now,
        loader=loader,
        limits=limits,
    )
    if check_issuer_binding:
        _check_binding(result, _party_id(credential.get("issuer")), "issuer")
    check_validity_period(credential, now, leeway=leeway)
    if allowed_contexts is not None:
        # VC DI §2.4.1: context validation runs after proof verification.
        validate_contexts(credential, allowed_contexts, loader=loader, limits=limits)
    return result


async def verify_presentation(
    presentation: Mapping[str, Any],
    resolver: VerificationMethodResolver,
    *,
    challenge: str,
    domain: str | Collection[str] | None = None,
    now: int | float | datetime,
    cryptosuites: Collection[str] = DEFAULT_CRYPTOSUITES,
    check_binding: bool = True,
    leeway: int = 0,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
    allowed_contexts: Collection[Sequence[Any]] | None = None,
    presentation_contexts: Collection[Sequence[Any]] | None = None,
) -> PresentationResult:
    """Presentation proof (``authentication``, ``challenge``, ``domain``) and each credential.

    After the proofs, VC DI §4.6 context validation: ``presentation_contexts`` for the
    presentation itself (its credentials aside), ``allowed_contexts`` for each credential.

    Enveloped credentials (``EnvelopedVerifiableCredential``) are not verified here: they are
    returned to the caller's VC-JOSE / SD-JWT path and count as unverified until then.
    """
    validate_presentation(presentation)
    own = await verify_proofs(
        presentation,
        resolver,
        expected_purpose="authentication",
        challenge=challenge,
        domain=domain,
        cryptosuites=cryptosuites,
        now=now,
        loader=loader,
        limits=limits,
    )
    if check_binding:
        _check_binding(own, _party_id(presentation.get("holder")), "holder")
    if presentation_contexts is not None:
        validate_contexts(
            presentation,
            presentation_contexts,
            skip=("proof", "verifiableCredential"),
            loader=loader,
            limits=limits,
        )
    embedded = presentation.get("verifiableCredential", [])
    credentials = embedded if isinstance(embedded, list) else [embedded]
    results = []
    for credential in credentials:
        types = credential.get("type")
        if "EnvelopedVerifiableCredential" in (types if isinstance(types, list) else [types]):
            continue
        results.append(
            await verify_credential(
                credential,
                resolver,
                now=now,
                cryptosuites=cryptosuites,
                check_issuer_binding=check_binding,
                leeway=leeway,
                loader=loader,
                limits=limits,
                allowed_contexts=allowed_contexts,
            )
        )
    return PresentationResult(presentation=own, credentials=tuple(results))
