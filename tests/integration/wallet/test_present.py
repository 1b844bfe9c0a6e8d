"""The wallet presents to the real OpenID4VP verifier: signed request, minimum disclosure,
direct_post and direct_post.jwt, and a revoked credential is rejected."""

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from sceau.verification.service import dev_certificate_chain
from sceau.wallet import (
    PresentationRefused,
    RequestRejected,
    fetch_request,
    plan_presentation,
    receive_offer,
    send_presentation,
)

from .conftest import VC_TYPE, World

pytestmark = pytest.mark.anyio


async def _wallet_with_licence(world: World):  # type: ignore[no-untyped-def]
    store = world.store()
    received = await receive_offer(world.http, store, (await world.offer())["offer_uri"])
    return store, received.credentials[0]


async def _switch_client_id_prefix(world: World, prefix: str) -> httpx.Response:
    """PUT the verifier's configuration again with only its client identifier prefix changed."""
    path = f"/admin/tenants/{world.verifier.slug}/verifier"
    headers = world.auth(world.verifier, "admin")
    config = (await world.admin.get(path, headers=headers)).json()
    body = {k: config[k] for k in ("name_en", "name_fr", "purposes", "trust_policy")}
    return await world.admin.put(path, json={**body, "client_id_prefix": prefix}, headers=headers)


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
async def test_presentation_discloses_only_what_the_query_asks_and_verifies(
    world: World, mode: str
) -> None:
    store, _ = await _wallet_with_licence(world)
    created = await world.presentation_request(response_mode=mode)
    request = await fetch_request(
        world.http, created["authorization_request_uri"], trust_anchors=[world.anchor]
    )
    assert request.prefix == "x509_san_dns" and request.response_mode == mode
    plan = plan_presentation(request, store)
    [item] = plan.items
    assert item.disclosed == {"licence_number": "QC-2026-0042", "given_name": "Marie"}
    answer = await send_presentation(world.http, request, plan, store)
    assert answer.status_code == 200, answer.body
    result = await world.result(created)
    assert result["status"] == "verified", result
    claims = result["claims"]["licence"][0]
    assert claims["licence_number"] == "QC-2026-0042"
    assert "family_name" not in claims and "waters" not in claims


@pytest.mark.parametrize("scheme", ["haip", "haip-vp"])
async def test_wallet_answers_a_haip_scheme_request(world: World, scheme: str) -> None:
    """HAIP: the wallet is invoked through haip:// (profile draft) or haip-vp:// (HAIP 1.0)."""
    store, _ = await _wallet_with_licence(world)
    switched = await _switch_client_id_prefix(world, "x509_hash")
    assert switched.status_code == 200, switched.text
    # A new dev chain came with the new prefix: its root is the anchor now.
    root = x509.load_pem_x509_certificate(switched.json()["x509_chain_pem"][-1].encode())
    created = await world.presentation_request(response_mode="direct_post.jwt")
    uri = created["haip_authorization_request_uris"][scheme]
    assert uri.startswith(f"{scheme}://?")
    request = await fetch_request(world.http, uri, trust_anchors=[root])
    assert request.prefix == "x509_hash"
    answer = await send_presentation(world.http, request, plan_presentation(request, store), store)
    assert answer.status_code == 200, answer.body
    assert (await world.result(created))["status"] == "verified"


async def test_revoked_credential_is_rejected_by_the_verifier(world: World) -> None:
    store, _credential = await _wallet_with_licence(world)
    # No admin route lists the records an offer produced yet: read the issuer's one record id.
    from sqlalchemy import select

    from sceau.status_lists.tables import credential_records

    async with world.app.state["engine"].connect() as conn:
        [record_id] = (
            await conn.execute(
                select(credential_records.c.id).where(
                    credential_records.c.tenant == world.issuer.slug
                )
            )
        ).scalars()
    record = {"id": record_id}
    revoked = await world.admin.post(
        f"/admin/tenants/{world.issuer.slug}/credentials/{record['id']}/revoke",
        headers=world.auth(world.issuer, "issuer"),
    )
    assert revoked.status_code == 200, revoked.text
    created = await world.presentation_request()
    request = await fetch_request(
        world.http, created["authorization_request_uri"], trust_anchors=[world.anchor]
    )
    await send_presentation(world.http, request, plan_presentation(request, store), store)
    result = await world.result(created)
    assert result["status"] == "rejected"
    assert any("revoked" in r for r in result["reasons"]), result


async def test_request_from_an_untrusted_certificate_chain_is_refused(world: World) -> None:
    created = await world.presentation_request()
    other_root = dev_certificate_chain(ec.generate_private_key(ec.SECP256R1()).public_key(), "x")
    anchor = x509.load_pem_x509_certificate(other_root[-1].encode())
    with pytest.raises(RequestRejected) as refused:
        await fetch_request(
            world.http, created["authorization_request_uri"], trust_anchors=[anchor]
        )
    assert refused.value.code == "untrusted_verifier"


async def test_request_without_trust_anchor_is_refused(world: World) -> None:
    created = await world.presentation_request()
    with pytest.raises(RequestRejected):
        await fetch_request(world.http, created["authorization_request_uri"])


async def test_empty_wallet_cannot_answer(world: World) -> None:
    created = await world.presentation_request()
    request = await fetch_request(
        world.http, created["authorization_request_uri"], trust_anchors=[world.anchor]
    )
    with pytest.raises(PresentationRefused) as refused:
        plan_presentation(request, world.store())
    assert refused.value.code == "no_matching_credential"


@pytest.mark.parametrize("fmt", ["ldp_vc", "jwt_vc_json"])
async def test_w3c_credentials_are_presented_with_a_holder_bound_presentation(
    world: World, fmt: str
) -> None:
    store = world.store()
    offer = await world.offer(credential_configuration_ids=[f"fishing-{fmt}"])
    [credential] = (await receive_offer(world.http, store, offer["offer_uri"])).credentials
    assert credential.format == fmt
    query = {
        "credentials": [
            {
                "id": "licence",
                "format": fmt,
                "meta": {"type_values": [[VC_TYPE]]},
                "claims": [{"path": ["credentialSubject", "licence_number"]}],
            }
        ]
    }
    created = await world.presentation_request(dcql_query=query, response_mode="direct_post.jwt")
    request = await fetch_request(
        world.http, created["authorization_request_uri"], trust_anchors=[world.anchor]
    )
    plan = plan_presentation(request, store)
    # W3C credentials have no selective disclosure: the whole credential goes, as shown.
    assert plan.items[0].disclosed == {"credentialSubject.licence_number": "QC-2026-0042"}
    answer = await send_presentation(world.http, request, plan, store)
    assert answer.status_code == 200, answer.body
    result = await world.result(created)
    assert result["status"] == "verified", result


async def test_decentralized_identifier_verifier_is_checked_against_its_did_document(
    world: World,
) -> None:
    from sceau.keys.service import tenant_did

    from .conftest import PUBLIC_URL

    store, _ = await _wallet_with_licence(world)
    r = await _switch_client_id_prefix(world, "decentralized_identifier")
    assert r.status_code == 200, r.text
    did = tenant_did(PUBLIC_URL, world.verifier.slug)
    assert r.json()["client_id"] == f"decentralized_identifier:{did}"
    created = await world.presentation_request()
    # No X.509 anchor needed: the DID document (did:web, fetched over https) names the key.
    request = await fetch_request(world.http, created["authorization_request_uri"])
    assert request.prefix == "decentralized_identifier" and request.verifier_identity == did
    answer = await send_presentation(world.http, request, plan_presentation(request, store), store)
    assert answer.status_code == 200, answer.body
    result = await world.result(created)
    assert result["status"] == "verified", result


async def test_batch_copies_are_presented_in_turn_so_verifiers_cannot_link_them(
    world: World,
) -> None:
    store = world.store()
    offer = await world.offer()
    received = await receive_offer(world.http, store, offer["offer_uri"], batch_size=3)
    assert len(received.credentials) == 3
    used = []
    for _ in range(3):
        created = await world.presentation_request()
        request = await fetch_request(
            world.http, created["authorization_request_uri"], trust_anchors=[world.anchor]
        )
        plan = plan_presentation(request, store)
        used.append(plan.items[0].credential.id)
        answer = await send_presentation(world.http, request, plan, store)
        assert answer.status_code == 200
        assert (await world.result(created))["status"] == "verified"
    assert sorted(used) == sorted(c.id for c in received.credentials)
    store.save()
    assert sorted(c.presentations for c in world.store().credentials) == [1, 1, 1]


async def test_request_object_fetched_by_get_works_too(world: World) -> None:
    store, _ = await _wallet_with_licence(world)
    created = await world.presentation_request()
    request = await fetch_request(
        world.http,
        created["authorization_request_uri"],
        trust_anchors=[world.anchor],
        use_post=False,
    )
    assert "wallet_nonce" not in request.payload
    answer = await send_presentation(world.http, request, plan_presentation(request, store), store)
    assert answer.status_code == 200
    assert (await world.result(created))["status"] == "verified"


async def test_same_device_flow_hands_back_the_verifiers_redirect_uri(world: World) -> None:
    store, _ = await _wallet_with_licence(world)
    created = await world.presentation_request(redirect_uri="https://rp.example.gc.ca/done")
    request = await fetch_request(
        world.http, created["authorization_request_uri"], trust_anchors=[world.anchor]
    )
    answer = await send_presentation(world.http, request, plan_presentation(request, store), store)
    assert answer.redirect_uri is not None
    assert answer.redirect_uri.startswith("https://rp.example.gc.ca/done?response_code=")


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
async def test_x509_hash_verifier_is_recognised_by_its_leaf_hash_and_verifies(
    world: World, mode: str
) -> None:
    """HAIP's prefix end to end: the verifier switches to x509_hash with its generated dev chain;
    the wallet checks chain, leaf hash and signature, and the KB-JWT aud is the full client_id."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from sceau.core.x509_hash import x509_hash

    store, _ = await _wallet_with_licence(world)
    r = await _switch_client_id_prefix(world, "x509_hash")
    assert r.status_code == 200, r.text
    chain = [x509.load_pem_x509_certificate(p.encode()) for p in r.json()["x509_chain_pem"]]
    client_id = "x509_hash:" + x509_hash(chain[0].public_bytes(Encoding.DER))
    assert r.json()["client_id"] == client_id
    created = await world.presentation_request(response_mode=mode)
    # The old root no longer vouches (a new dev chain was generated): the new one does.
    with pytest.raises(RequestRejected) as refused:
        await fetch_request(
            world.http, created["authorization_request_uri"], trust_anchors=[world.anchor]
        )
    assert refused.value.code == "untrusted_verifier"
    request = await fetch_request(
        world.http, created["authorization_request_uri"], trust_anchors=[chain[-1]]
    )
    assert request.prefix == "x509_hash" and request.client_id == client_id
    san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    # The person is shown the leaf's DNS name (vouched for by the chain), not the hash.
    assert request.verifier_identity == san.get_values_for_type(x509.DNSName)[0]
    answer = await send_presentation(world.http, request, plan_presentation(request, store), store)
    assert answer.status_code == 200, answer.body
    result = await world.result(created)
    assert result["status"] == "verified", result
    assert result["claims"]["licence"][0]["licence_number"] == "QC-2026-0042"
