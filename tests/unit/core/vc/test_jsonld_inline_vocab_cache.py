"""Inline ``{"@vocab": IRI}`` contexts are processed once per IRI and cached by value, and the
cached result gives the same canonical N-Quads as pyld (the oracle) for every IRI."""

from __future__ import annotations

import copy
from typing import Any

from pyld import jsonld as pyld

from sceau.core.vc import jsonld
from sceau.core.vc.contexts import StaticDocumentLoader
from sceau.core.vc.jsonld import to_canonical_nquads

LOADER = StaticDocumentLoader()
V2 = "https://www.w3.org/ns/credentials/v2"


def credential(vocab: str, number: int) -> dict[str, Any]:
    return {
        "@context": [V2, {"@vocab": vocab}],
        "type": ["VerifiableCredential", "FishingPermitCredential"],
        "issuer": "did:web:issuer.example",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "permit_number": number},
    }


def oracle(doc: dict[str, Any]) -> str:
    out: str = pyld.normalize(
        copy.deepcopy(doc),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": LOADER.as_pyld_loader(),
            "safeMode": False,
        },
    )
    return out


def test_same_inline_vocab_in_fresh_objects_is_processed_once() -> None:
    vocab = "https://permits.example.gc.ca/cache-test/vocab#"
    first = to_canonical_nquads(credential(vocab, 1), loader=LOADER)
    entries = [k for k in jsonld._VOCAB_CACHE if k[1] == vocab]
    second = to_canonical_nquads(credential(vocab, 2), loader=LOADER)
    assert len(entries) == 1
    assert [k for k in jsonld._VOCAB_CACHE if k[1] == vocab] == entries
    assert f"<{vocab}permit_number>" in first and first != second


def test_cached_vocab_results_match_pyld_for_each_iri() -> None:
    for vocab in ("https://a.example/vocab#", "https://b.example/terms/", "urn:example:v:"):
        for number in (1, 2):
            doc = credential(vocab, number)
            assert to_canonical_nquads(doc, loader=LOADER) == oracle(doc)


def test_two_iris_never_share_a_cached_context() -> None:
    a = to_canonical_nquads(credential("https://a.example/x#", 7), loader=LOADER)
    b = to_canonical_nquads(credential("https://b.example/x#", 7), loader=LOADER)
    assert "<https://a.example/x#permit_number>" in a and "https://b.example" not in a
    assert "<https://b.example/x#permit_number>" in b and "https://a.example" not in b
