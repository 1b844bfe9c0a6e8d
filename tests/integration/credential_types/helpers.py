"""Shared bodies and calls for the credential-type and issuance tests."""

from __future__ import annotations

from typing import Any

import httpx

PERMIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "given_name": {"type": "string", "maxLength": 100},
        "family_name": {"type": "string"},
        "birthdate": {"type": "string", "format": "date"},
        "address": {
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
            "required": ["city"],
        },
        "permit_number": {"type": "integer", "minimum": 1},
    },
    "required": ["given_name", "family_name", "permit_number"],
    "additionalProperties": False,
}

DISPLAY = {
    "en-CA": {
        "name": "Fishing permit",
        "description": "A permit to fish",
        "logo": {"uri": "https://example.gc.ca/logo.png", "alt_text": "Logo"},
        "background_color": "#12107c",
        "text_color": "#FFFFFF",
    },
    "fr-CA": {"name": "Permis de pêche", "description": "Un permis de pêcher"},
}
CLAIMS_DISPLAY = {
    "given_name": {"en-CA": {"name": "Given name"}, "fr-CA": {"name": "Prénom"}},
    "family_name": {"en-CA": {"name": "Family name"}, "fr-CA": {"name": "Nom de famille"}},
}
CLAIMS: dict[str, Any] = {
    "given_name": "Jeanne",
    "family_name": "Tremblay",
    "birthdate": "1990-05-01",
    "address": {"street": "1 rue Principale", "city": "Gatineau"},
    "permit_number": 42,
}


def type_body(type_id: str = "permit", fmt: str = "dc+sd-jwt", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": type_id,
        "format": fmt,
        "display": DISPLAY,
        "claims_schema": PERMIT_SCHEMA,
        "claims_display": CLAIMS_DISPLAY,
    }
    if fmt != "dc+sd-jwt":
        body["vc_type"] = ["VerifiableCredential", "FishingPermitCredential"]
    body.update(extra)
    return body


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_type(
    client: httpx.AsyncClient, slug: str, token: str, body: dict[str, Any]
) -> dict[str, Any]:
    r = await client.post(f"/admin/tenants/{slug}/credential-types", json=body, headers=auth(token))
    assert r.status_code == 201, r.text
    return dict(r.json())
