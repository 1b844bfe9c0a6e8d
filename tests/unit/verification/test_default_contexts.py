"""Default context allow-list of a trusted issuer: what Sceau issuance writes (VC DI §4.6)."""

import pytest

from sceau.issuance.formats import VC_V2_CONTEXT, vc_context
from sceau.keys.service import tenant_did
from sceau.verification.engine import default_allowed_contexts


@pytest.mark.parametrize(
    "public_url",
    [
        "https://sceau.example.gc.ca",
        "http://sceau.example.gc.ca",
        "https://sceau.example.gc.ca:8443/base",
        "http://127.0.0.1:8000",
    ],
)
def test_default_contains_the_issuance_context_of_the_tenant_did(public_url: str) -> None:
    did = tenant_did(public_url, "demo")
    allowed = default_allowed_contexts(did)
    assert vc_context(f"{public_url}/t/demo") in allowed
    assert [VC_V2_CONTEXT] in allowed


def test_default_for_an_issuer_url_and_for_other_dids() -> None:
    assert default_allowed_contexts("https://issuer.example/t/a/") == [
        [VC_V2_CONTEXT],
        vc_context("https://issuer.example/t/a"),
    ]
    assert default_allowed_contexts("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") == [
        [VC_V2_CONTEXT]
    ]
    # A malformed did:web yields no @vocab variant (never a context for another host).
    assert default_allowed_contexts("did:web:evil.example/x:t") == [[VC_V2_CONTEXT]]
    assert default_allowed_contexts("did:web::t:a") == [[VC_V2_CONTEXT]]
