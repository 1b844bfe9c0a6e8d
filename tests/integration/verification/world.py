"""A test issuer made with the core, and a real local HTTP server publishing its status lists.

The issuer's keys go into the verifier's trust policy; nothing here touches the verifier's code.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sceau.core.dids import did_key_from_public_key
from sceau.core.jose import SoftwareSigner, generate_private_key, public_jwk
from sceau.core.sdjwt import SD, issue_sd_jwt_vc_sync
from sceau.core.status.bitstring_status_list import (
    BitstringStatusList,
    build_status_list_credential,
)
from sceau.core.status.token_status_list import StatusList, sign_status_list_token
from sceau.core.vc import add_proof_sync
from sceau.core.vc.jose import sign_vc_jwt

VCT = "https://credentials.example.gc.ca/pid"
VC_TYPE = "PermitCredential"
SDJWT_ISSUER = "https://issuer.example.gc.ca"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
]


class StatusServer:
    """``http://127.0.0.1:<port>``: serves ``files[path] = (content_type, body, headers)``."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes, dict[str, str]]] = {}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                found = server.files.get(self.path)
                if found is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                ctype, body, headers = found
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@dataclass
class Holder:
    key: Any = field(default_factory=generate_private_key)

    @property
    def jwk(self) -> dict[str, Any]:
        return dict(public_jwk(self.key.public_key()))

    @property
    def did(self) -> str:
        return did_key_from_public_key(self.key.public_key())

    @property
    def vm(self) -> str:
        return f"{self.did}#{self.did.split(':', 2)[2]}"

    @property
    def signer(self) -> SoftwareSigner:
        return SoftwareSigner(self.key, "ES256", self.vm)

    @property
    def kb_signer(self) -> SoftwareSigner:
        return SoftwareSigner(self.key, "ES256")


class Issuer:
    """An issuer of SD-JWT VCs (``iss`` = https id, JWKS trust) and W3C VCs (did:key)."""

    def __init__(self, server: StatusServer, *, name: str = "a") -> None:
        self.server = server
        self.name = name
        self.key = generate_private_key()
        self.iss = f"{SDJWT_ISSUER}/{name}"
        self.did = did_key_from_public_key(self.key.public_key())
        self.vm = f"{self.did}#{self.did.split(':', 2)[2]}"
        self.jose_signer = SoftwareSigner(self.key, "ES256", "k1")
        self.di_signer = SoftwareSigner(self.key, "ES256", self.vm)
        self.token_list = StatusList(1024, bits=2)
        self.revocation = BitstringStatusList()
        self.suspension = BitstringStatusList()
        self.tsl_uri = f"{server.url}/{name}/tsl/1"
        self.rev_uri = f"{server.url}/{name}/bsl/rev"
        self.sus_uri = f"{server.url}/{name}/bsl/sus"
        self.next_index = 0

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**public_jwk(self.key.public_key()), "kid": "k1"}]}

    def trusted(self) -> list[dict[str, Any]]:
        return [
            {"credential_type": VCT, "issuer": self.iss, "jwks": self.jwks()},
            # Not Sceau's own issuance contexts: allowed explicitly (VC DI §4.6, SECURITY W-03).
            {
                "credential_type": VC_TYPE,
                "issuer": self.did,
                "did": self.did,
                "allowed_contexts": [CONTEXTS],
            },
        ]

    def allocate(self) -> int:
        self.next_index += 1
        return self.next_index

    async def publish(self, *, ttl: int = 300) -> None:
        now = int(time.time())
        token = await sign_status_list_token(
            self.token_list,
            uri=self.tsl_uri,
            signer=self.jose_signer,
            now=now,
            ttl=ttl,
            iss=self.iss,
        )
        self.server.files[f"/{self.name}/tsl/1"] = (
            "application/statuslist+jwt",
            token.encode(),
            {},
        )
        for purpose, bits, uri in (
            ("revocation", self.revocation, self.rev_uri),
            ("suspension", self.suspension, self.sus_uri),
        ):
            doc = build_status_list_credential(
                bits,
                id=uri,
                issuer=self.did,
                status_purpose=purpose,
                valid_from="2025-01-01T00:00:00Z",
            )
            signed = add_proof_sync(doc, self.di_signer, cryptosuite="ecdsa-rdfc-2019")
            import json

            self.server.files[uri.removeprefix(self.server.url)] = (
                "application/vc+ld+json",
                json.dumps(signed).encode(),
                {"Cache-Control": "max-age=300"},
            )

    # --- credentials ------------------------------------------------------------------------

    def sd_jwt_vc(
        self,
        holder: Holder,
        *,
        index: int | None = None,
        iat: int | None = None,
        exp: int | None = None,
        with_status: bool = True,
    ) -> str:
        now = int(time.time())
        idx = self.allocate() if index is None else index
        status = {"status_list": {"idx": idx, "uri": self.tsl_uri}} if with_status else None
        issued = issue_sd_jwt_vc_sync(
            VCT,
            {
                SD("given_name"): "Jeanne",
                SD("family_name"): "Tremblay",
                SD("age_over_18"): True,
                SD("address"): {SD("locality"): "Ottawa", SD("region"): "ON"},
            },
            self.jose_signer,
            iss=self.iss,
            iat=now if iat is None else iat,
            exp=now + 3600 if exp is None else exp,
            holder_jwk=holder.jwk,
            status=status,
        )
        self._last_index = idx
        return issued.compact

    def _w3c(self, holder: Holder, idx: int, valid_until: str) -> dict[str, Any]:
        return {
            "@context": CONTEXTS,
            "type": ["VerifiableCredential", VC_TYPE],
            "issuer": self.did,
            "validFrom": "2025-01-01T00:00:00Z",
            "validUntil": valid_until,
            "credentialSubject": {"id": holder.did, "permitNumber": "P-123", "name": "Jeanne"},
            "credentialStatus": [
                {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListIndex": str(idx),
                    "statusListCredential": self.rev_uri,
                },
                {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "suspension",
                    "statusListIndex": str(idx),
                    "statusListCredential": self.sus_uri,
                },
            ],
        }

    def di_vc(
        self, holder: Holder, *, index: int | None = None, valid_until: str = "2030-01-01T00:00:00Z"
    ) -> dict[str, Any]:
        idx = self.allocate() if index is None else index
        self._last_index = idx
        return add_proof_sync(
            self._w3c(holder, idx, valid_until), self.di_signer, cryptosuite="ecdsa-rdfc-2019"
        )

    async def vc_jwt(
        self, holder: Holder, *, index: int | None = None, valid_until: str = "2030-01-01T00:00:00Z"
    ) -> str:
        idx = self.allocate() if index is None else index
        self._last_index = idx
        signer = SoftwareSigner(self.key, "ES256", self.vm)
        return await sign_vc_jwt(self._w3c(holder, idx, valid_until), signer, now=int(time.time()))

    @property
    def last_index(self) -> int:
        return self._last_index

    async def revoke(self, idx: int) -> None:
        self.token_list.set(idx, 1)
        self.revocation.set(idx, 1)
        await self.publish()

    async def suspend(self, idx: int) -> None:
        self.token_list.set(idx, 2)
        self.suspension.set(idx, 1)
        await self.publish()


def verifier_config(
    issuers: list[Issuer], *, prefix: str = "x509_san_dns", **policy: Any
) -> dict[str, Any]:
    return {
        "client_id_prefix": prefix,
        "name_en": "Age check service",
        "name_fr": "Service de vérification de l'âge",
        "purposes": [
            {
                "id": "age",
                "description_en": "Confirm you are an adult",
                "description_fr": "Confirmer que vous êtes majeur",
                "allowed_claims": {
                    VCT: [["given_name"], ["age_over_18"], ["address"]],
                    VC_TYPE: [["credentialSubject"]],
                },
            }
        ],
        "trust_policy": {
            "trusted_issuers": [t for i in issuers for t in i.trusted()],
            **policy,
        },
    }
