"""Context validation after proof verification (VC DI §4.6, §2.4.1; SECURITY W-03).

Each W-03 input is built as a *validly signed* credential first, so the tests show that the proof
alone does not stop it and that context validation does.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sceau.core.errors import InputTooLarge, SceauError
from sceau.core.jose import SoftwareSigner
from sceau.core.vc.context_validation import (
    MAX_KNOWN_CONTEXT_LISTS,
    ContextNotAllowed,
    EmbeddedContextNotAllowed,
    validate_contexts,
)
from sceau.core.vc.dataintegrity import StaticResolver, add_proof_sync, verify_proofs_sync
from sceau.core.vc.jsonld import ProtectedTermRedefinition, UndefinedTerm
from sceau.core.vc.verification import verify_credential, verify_presentation

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
VOCAB = "https://issuer.example/t/demo/vocab#"
ISSUER = "did:example:issuer"
EC_VM = f"{ISSUER}#p256"
ED_VM = f"{ISSUER}#ed25519"
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
RESOLVER = StaticResolver({EC_VM: EC_KEY.public_key(), ED_VM: ED_KEY.public_key()})
NOW = 1_767_225_600
SCEAU_CONTEXT: list[Any] = [V2, {"@vocab": VOCAB}]


def _credential(
    context: list[Any], subject: dict[str, Any], types: tuple[str, ...] = ("PermitCredential",)
) -> dict[str, Any]:
    return {
        "@context": context,
        "type": ["VerifiableCredential", *types],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", **subject},
    }


def _sign(doc: dict[str, Any], suite: str = "ecdsa-rdfc-2019") -> dict[str, Any]:
    if suite.startswith("eddsa"):
        signer = SoftwareSigner(ED_KEY, "EdDSA")
        vm = ED_VM
    else:
        signer = SoftwareSigner(EC_KEY, "ES256")
        vm = EC_VM
    return add_proof_sync(
        doc, signer, cryptosuite=suite, verification_method=vm, created="2026-01-01T00:00:00Z"
    )


def _verify(doc: dict[str, Any]) -> None:
    assert verify_proofs_sync(doc, RESOLVER, now=NOW).verified


@pytest.mark.parametrize(
    "suite", ["ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-jcs-2019", "eddsa-jcs-2022"]
)
def test_credential_with_an_approved_context_list_passes_after_its_proof(suite: str) -> None:
    signed = _sign(_credential(SCEAU_CONTEXT, {"permitNumber": "P-1"}), suite)
    _verify(signed)
    validate_contexts(signed, [[V2, EXAMPLES], SCEAU_CONTEXT])


@pytest.mark.parametrize(
    "context",
    [
        [V2],  # fewer entries
        [V2, {"@vocab": VOCAB}, EXAMPLES],  # one more
        [{"@vocab": VOCAB}, V2],  # reordered
        [V2, {"@vocab": "https://other.example/vocab#"}],  # other inline value
        V2,  # a single string is the list [V2], not the approved list
    ],
)
def test_context_list_other_than_the_approved_ones_is_rejected(context: Any) -> None:
    doc = _credential(SCEAU_CONTEXT, {})
    doc["@context"] = context
    with pytest.raises(ContextNotAllowed) as err:
        validate_contexts(doc, [SCEAU_CONTEXT], require_defined_terms=False)
    assert err.value.code == "context_not_allowed"
    assert "other.example" not in str(err.value) and VOCAB not in str(err.value)


def test_reordered_contexts_pass_only_when_the_policy_is_order_insensitive() -> None:
    doc = _credential([EXAMPLES, V2], {})
    with pytest.raises(ContextNotAllowed):
        validate_contexts(doc, [[V2, EXAMPLES]], require_defined_terms=False)
    validate_contexts(doc, [[V2, EXAMPLES]], order_insensitive=True, require_defined_terms=False)


def test_inline_context_values_compare_as_json_types() -> None:
    # {"@protected": 1} is not {"@protected": true}, though Python's == says so.
    doc = _credential([V2, {"@protected": 1, "@vocab": VOCAB}], {})
    with pytest.raises(ContextNotAllowed):
        validate_contexts(
            doc, [[V2, {"@protected": True, "@vocab": VOCAB}]], require_defined_terms=False
        )


def test_missing_context_is_rejected() -> None:
    doc = _credential(SCEAU_CONTEXT, {})
    del doc["@context"]
    with pytest.raises(ContextNotAllowed):
        validate_contexts(doc, [SCEAU_CONTEXT])


def test_w03_context_substitution_verifies_but_is_rejected_by_context_validation() -> None:
    """SECURITY W-03 (a): same N-Quads, other JSON meaning — the rdfc proof still verifies."""
    signed = _sign(_credential(SCEAU_CONTEXT, {"givenName": "Jeanne", "familyName": "Tremblay"}))
    forged = copy.deepcopy(signed)
    # The forged context maps each JSON key to the other's IRI and the values are swapped: the
    # RDF (what is signed) is unchanged, the JSON an application reads is not.
    forged["@context"] = [
        V2,
        {"@vocab": VOCAB, "givenName": VOCAB + "familyName", "familyName": VOCAB + "givenName"},
    ]
    forged["credentialSubject"]["givenName"] = "Tremblay"
    forged["credentialSubject"]["familyName"] = "Jeanne"
    _verify(forged)  # the attack: the proof alone accepts it
    with pytest.raises(ContextNotAllowed):
        validate_contexts(forged, [SCEAU_CONTEXT])


def test_w03_protected_term_redefinition_is_rejected_by_proof_and_by_context_validation() -> None:
    """SECURITY W-03 (b): an inline context redefining ``name`` (protected in VC v2)."""
    evil: list[Any] = [V2, {"@vocab": VOCAB, "name": "https://evil.example/vocab#name"}]
    doc = _credential(evil, {})
    doc["name"] = "Permis de pêche"
    with pytest.raises(ProtectedTermRedefinition):
        _sign(doc)
    # Even an allow-list that (wrongly) names such a context does not let it through.
    with pytest.raises(ProtectedTermRedefinition):
        validate_contexts(doc, [evil])


@pytest.mark.parametrize("suite", ["ecdsa-jcs-2019", "eddsa-jcs-2022"])
def test_w03_property_expanding_to_nothing_under_a_jcs_proof_is_rejected(suite: str) -> None:
    """SECURITY W-03 (c): no ``@vocab``, a property no context defines. A JCS proof signs the JSON
    and verifies; context validation refuses the term the approved contexts leave undefined."""
    signed = _sign(_credential([V2], {"nickname": "Jay"}, types=()), suite)
    _verify(signed)
    with pytest.raises(UndefinedTerm) as err:
        validate_contexts(signed, [[V2]])
    assert err.value.code == "undefined_term" and err.value.params["term"] == "nickname"


def test_w03_property_expanding_to_nothing_never_gets_an_rdfc_proof_or_verifies() -> None:
    doc = _credential([V2], {"nickname": "Jay"}, types=())
    with pytest.raises(UndefinedTerm):
        _sign(doc)
    signed = _sign(_credential([V2], {}, types=()))
    signed["credentialSubject"]["nickname"] = "Jay"  # added after signing: dropped by RDF
    with pytest.raises(UndefinedTerm) as err:
        verify_proofs_sync(signed, RESOLVER, now=NOW)
    assert err.value.params["term"] == "nickname"


@pytest.mark.parametrize(
    "where",
    [
        lambda d: d["credentialSubject"].__setitem__("@context", {"@vocab": VOCAB}),
        lambda d: d["credentialSubject"].__setitem__("licence", [{"@context": V2, "class": "G"}]),
    ],
)
def test_embedded_context_is_rejected(where: Any) -> None:
    doc = _credential(SCEAU_CONTEXT, {})
    where(doc)
    with pytest.raises(EmbeddedContextNotAllowed) as err:
        validate_contexts(doc, [SCEAU_CONTEXT])
    assert err.value.code == "embedded_context_not_allowed"


def test_proof_context_of_a_jcs_proof_is_not_an_embedded_context() -> None:
    signed = _sign(_credential(SCEAU_CONTEXT, {"permitNumber": "P-1"}), "eddsa-jcs-2022")
    assert "@context" in signed["proof"]
    validate_contexts(signed, [SCEAU_CONTEXT])


def test_presentation_contexts_are_validated_without_its_credentials() -> None:
    vp = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [_credential(SCEAU_CONTEXT, {})],
    }
    with pytest.raises(EmbeddedContextNotAllowed):
        validate_contexts(vp, [[V2]])
    validate_contexts(vp, [[V2]], skip=("proof", "verifiableCredential"))


def test_too_many_approved_lists_and_non_objects_are_precise_errors() -> None:
    doc = _credential(SCEAU_CONTEXT, {})
    with pytest.raises(InputTooLarge):
        validate_contexts(doc, [[V2]] * (MAX_KNOWN_CONTEXT_LISTS + 1))
    with pytest.raises(SceauError):
        validate_contexts([V2], [[V2]])  # type: ignore[arg-type]


def test_very_wide_document_is_bounded() -> None:
    doc = _credential(SCEAU_CONTEXT, {"items": [[0] * 1000 for _ in range(200)]})
    with pytest.raises(InputTooLarge):
        validate_contexts(doc, [SCEAU_CONTEXT], require_defined_terms=False)


def test_verify_credential_and_presentation_apply_the_allowed_contexts_after_the_proofs() -> None:
    signed = _sign(_credential(SCEAU_CONTEXT, {"permitNumber": "P-1"}))
    assert verify_credential_sync(signed, allowed_contexts=[SCEAU_CONTEXT]).verified
    with pytest.raises(ContextNotAllowed):
        verify_credential_sync(signed, allowed_contexts=[[V2, EXAMPLES]])
    vp = add_proof_sync(
        {
            "@context": [V2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [signed],
        },
        SoftwareSigner(EC_KEY, "ES256"),
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=EC_VM,
        proof_purpose="authentication",
        challenge="c",
        created="2026-01-01T00:00:00Z",
    )
    ok = verify_presentation_sync(
        vp, allowed_contexts=[SCEAU_CONTEXT], presentation_contexts=[[V2]]
    )
    assert len(ok.credentials) == 1
    with pytest.raises(ContextNotAllowed):
        verify_presentation_sync(vp, allowed_contexts=[[V2]], presentation_contexts=[[V2]])
    with pytest.raises(ContextNotAllowed):
        verify_presentation_sync(vp, allowed_contexts=[SCEAU_CONTEXT], presentation_contexts=[])


def verify_credential_sync(doc: dict[str, Any], **kw: Any) -> Any:
    return asyncio.run(verify_credential(doc, RESOLVER, now=NOW, **kw))


def verify_presentation_sync(doc: dict[str, Any], **kw: Any) -> Any:
    return asyncio.run(
        verify_presentation(doc, RESOLVER, challenge="c", now=NOW, check_binding=False, **kw)
    )
