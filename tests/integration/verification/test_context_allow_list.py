"""Context allow-list per trusted credential type (VC DI §4.6, §2.4.1; SECURITY W-03), through
the VC API verify route: every credential here carries a proof that verifies, and is refused by
context validation alone."""

import copy
from typing import Any

import httpx
import pytest

from sceau.core.vc import add_proof_sync
from verification.world import CONTEXTS, VC_TYPE, Holder, Issuer, verifier_config

pytestmark = pytest.mark.anyio

V2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://www.w3.org/ns/credentials/examples#"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _configure(client: httpx.AsyncClient, tenant: Any, issuer: Issuer, **entry: Any) -> None:
    cfg = verifier_config([issuer])
    trusted = cfg["trust_policy"]["trusted_issuers"]
    for t in trusted:
        if t["credential_type"] == VC_TYPE:
            t.pop("allowed_contexts", None)
            t.update(entry)
    r = await client.put(
        f"/admin/tenants/{tenant.slug}/verifier", json=cfg, headers=auth(tenant.tokens["admin"])
    )
    assert r.status_code == 200, r.text


async def _verify(client: httpx.AsyncClient, tenant: Any, vc: Any) -> tuple[int, list[str]]:
    r = await client.post(
        f"/t/{tenant.slug}/credentials/verify",
        json={"verifiableCredential": vc},
        headers=auth(tenant.tokens["verifier"]),
    )
    assert r.status_code < 500, r.text
    body = r.json()
    return r.status_code, [e["title"] for e in body["errors"]]


def _signed(
    issuer: Issuer, holder: Holder, *, suite: str = "ecdsa-rdfc-2019", **changes: Any
) -> dict[str, Any]:
    doc = issuer._w3c(holder, issuer.allocate(), "2030-01-01T00:00:00Z")
    subject = changes.pop("subject", None)
    if subject is not None:
        doc["credentialSubject"].update(subject)
    doc.update(changes)
    return add_proof_sync(doc, issuer.di_signer, cryptosuite=suite)


async def test_w03_context_substitution_with_a_valid_proof_is_rejected(
    client, tenant_a, issuer, holder
) -> None:
    await _configure(client, tenant_a, issuer, allowed_contexts=[CONTEXTS])
    vc = _signed(issuer, holder, subject={"givenName": "Jeanne", "familyName": "Tremblay"})
    assert await _verify(client, tenant_a, vc) == (200, [])
    forged = copy.deepcopy(vc)
    # Same RDF (the proof still verifies), swapped JSON meaning.
    forged["@context"] = [
        *CONTEXTS,
        {"givenName": EX + "familyName", "familyName": EX + "givenName"},
    ]
    forged["credentialSubject"]["givenName"] = "Tremblay"
    forged["credentialSubject"]["familyName"] = "Jeanne"
    assert await _verify(client, tenant_a, forged) == (400, ["context_not_allowed"])


async def test_w03_embedded_context_with_a_valid_proof_is_rejected(
    client, tenant_a, issuer, holder
) -> None:
    await _configure(client, tenant_a, issuer, allowed_contexts=[CONTEXTS])
    vc = _signed(issuer, holder, subject={"licence": {"@context": {"@vocab": EX}, "class": "G"}})
    assert await _verify(client, tenant_a, vc) == (400, ["embedded_context_not_allowed"])


async def test_w03_dropped_term_under_a_jcs_proof_is_rejected(
    client, tenant_a, issuer, holder
) -> None:
    # Policy: VCDM 2.0 alone, which has no @vocab: the type name and claims expand to nothing.
    await _configure(client, tenant_a, issuer, allowed_contexts=[[V2]])
    vc = _signed(issuer, holder, suite="ecdsa-jcs-2019", **{"@context": [V2]})
    assert await _verify(client, tenant_a, vc) == (400, ["undefined_term"])


async def test_default_allow_list_is_sceau_issuance_contexts_only(
    client, tenant_a, issuer, holder
) -> None:
    # No allowed_contexts: the did:key issuer's [v2, examples] credential is not approved.
    await _configure(client, tenant_a, issuer)
    assert await _verify(client, tenant_a, issuer.di_vc(holder)) == (400, ["context_not_allowed"])


async def test_order_insensitive_policy_accepts_reordered_contexts_only_when_set(
    client, tenant_a, issuer, holder
) -> None:
    inline = {"permitNote": EX + "permitNote"}
    vc = _signed(issuer, holder, **{"@context": [V2, inline, CONTEXTS[1]]})
    allowed = [[*CONTEXTS, inline]]
    await _configure(client, tenant_a, issuer, allowed_contexts=allowed)
    assert await _verify(client, tenant_a, vc) == (400, ["context_not_allowed"])
    await _configure(
        client, tenant_a, issuer, allowed_contexts=allowed, contexts_order_insensitive=True
    )
    assert await _verify(client, tenant_a, vc) == (200, [])


async def test_allowed_contexts_are_validated_as_configuration(client, tenant_a, issuer) -> None:
    cfg = verifier_config([issuer])
    cfg["trust_policy"]["trusted_issuers"][1]["allowed_contexts"] = [[]]
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier", json=cfg, headers=auth(tenant_a.tokens["admin"])
    )
    assert r.status_code in (400, 422), r.text


async def test_w03_dropped_term_under_an_rdfc_proof_is_rejected_by_the_proof_check(
    client, tenant_a, issuer, holder
) -> None:
    """RDFC proofs expand the document when they are verified; an undefined term is refused
    there (so the engine does not walk the document a second time for its terms)."""
    await _configure(client, tenant_a, issuer, allowed_contexts=[[V2], CONTEXTS])
    vc = _signed(issuer, holder)
    assert await _verify(client, tenant_a, vc) == (200, [])
    forged = copy.deepcopy(vc)
    forged["@context"] = [V2]  # an allowed list, under which the claims expand to nothing
    status, errors = await _verify(client, tenant_a, forged)
    assert status == 400 and errors == ["undefined_term"]
