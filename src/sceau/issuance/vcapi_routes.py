"""VC API issuing: ``POST /t/{tenant}/credentials/issue`` (VC API §Issue Credential).

Request ``{"credential": {...}, "options": {...}}`` → 201 ``{"verifiableCredential": ...}``.
Options (unknown ones are refused, VC API §Options "MUST throw an error"):

- ``credentialType``: the credential type id to issue under. Without it, the type is the one
  whose ``vc_type`` names are all in the credential's ``type`` (most specific wins).
- ``envelope``: ``"application/vc+jwt"`` secures the credential with VC-JOSE instead of the type's
  Data Integrity cryptosuite; the response is then an ``EnvelopedVerifiableCredential`` whose
  ``id`` is a ``data:application/vc+jwt,<jwt>`` URL (VC-JOSE-COSE §3.1.1, VCDM 2.0 §5.12).

The credential record id (for ``POST /t/{tenant}/credentials/status`` and the admin status
routes) is returned in the ``Sceau-Record-Id`` response header.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.core.errors import InvalidInput
from sceau.credential_types.errors import ClaimsRejected
from sceau.credential_types.routes import claims_problem_handler
from sceau.credential_types.service import CredentialTypeService
from sceau.db.engine import autocommit
from sceau.issuance.formats import VC_V2_CONTEXT
from sceau.issuance.service import VC_JWT_MEDIA_TYPE, IssuanceService
from sceau.tenants.service import Principal
from sceau.web.auth import authorize
from sceau.web.problems import problem_responses

RECORD_HEADER = "Sceau-Record-Id"


class IssueOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    credentialType: str | None = None
    envelope: Literal["application/vc+jwt"] | None = None


class IssueCredentialRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    credential: dict[str, Any]
    options: IssueOptions = msgspec.field(default_factory=IssueOptions)


def _types_of(credential: dict[str, Any]) -> list[str]:
    value = credential.get("type")
    types = [value] if isinstance(value, str) else value
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise InvalidInput("credential.type must be a string or strings", code="invalid_credential")
    return types


@post(
    "/t/{tenant:str}/credentials/issue",
    status_code=HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 413, 415, 422),
    tags=["vc api"],
    summary="Issue a verifiable credential (VC API)",
    exception_handlers={ClaimsRejected: claims_problem_handler},
)
async def issue_credential(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    data: JSONBody[IssueCredentialRequest],
    principal: NamedDependency[Principal],
    engine: NamedDependency[AsyncEngine],
    credential_types: NamedDependency[CredentialTypeService],
    issuance: NamedDependency[IssuanceService],
) -> Response[dict[str, Any]]:
    authorize(principal, tenant, ("issuer",))
    options = data.options
    if options.credentialType is not None:
        ct = await credential_types.get(tenant, options.credentialType)
        if ct.vc_type is None or not set(ct.vc_type) <= set(_types_of(data.credential)):
            raise InvalidInput("credential.type does not match the type", code="invalid_credential")
    else:
        ct = await credential_types.find_by_vc_type(tenant, _types_of(data.credential))
    override = "jwt_vc_json" if options.envelope == VC_JWT_MEDIA_TYPE else None
    # One write, the credential's record: atomic on its own, so no BEGIN/COMMIT round trips. (The
    # status index comes from a block reserved in a transaction of its own on PostgreSQL, and on
    # SQLite is reserved just before; an index whose record is not written is never reused.)
    async with autocommit(engine).connect() as conn:
        issued = await issuance.issue_document(
            conn,
            tenant_slug=tenant,
            credential_type=ct,
            credential=data.credential,
            vc_format_override=override,
        )
    # Only after the commit: a failed write returned nothing (issue #4 item 8).
    if isinstance(issued.credential, str):
        vc: dict[str, Any] = {
            "@context": [VC_V2_CONTEXT],
            "id": f"data:{VC_JWT_MEDIA_TYPE},{issued.credential}",
            "type": "EnvelopedVerifiableCredential",
        }
    else:
        vc = issued.credential
    return Response(
        {"verifiableCredential": vc},
        status_code=HTTP_201_CREATED,
        headers={RECORD_HEADER: issued.record_id, "Cache-Control": "no-store"},
    )


ROUTES = [issue_credential]
