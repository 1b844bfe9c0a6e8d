"""Issue records the way issuance does (allocate + record in one transaction)."""

from __future__ import annotations

from typing import Literal

from sceau.status_lists.models import StatusAllocation
from sceau.status_lists.service import StatusListService


async def issue_record(
    service: StatusListService, tenant: str, fmt: Literal["dc+sd-jwt", "vc"] = "dc+sd-jwt"
) -> tuple[str, StatusAllocation]:
    async with service.engine.begin() as conn:
        allocation = await service.allocate(conn, tenant_slug=tenant, format=fmt)
        record_id = await service.record(
            conn,
            tenant_slug=tenant,
            type_id="permit",
            format="dc+sd-jwt" if fmt == "dc+sd-jwt" else "ldp_vc",
            allocation=allocation,
            expires_at=None,
            holder_jkt=None,
            credential_hash="ab" * 32,
        )
    return record_id, allocation
