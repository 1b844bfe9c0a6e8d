"""``sceau demo``: the whole loop on a fresh machine, with nothing faked.

It starts the platform (``sceau run``: granian, SQLite in a temporary data directory, a free
loopback port), creates an issuer tenant with a bilingual "Fishing licence / Permis de pêche"
SD-JWT VC type (with status) and a verifier tenant trusting that issuer, issues a licence to the
reference wallet (OpenID4VCI), presents it (OpenID4VP, ``direct_post.jwt``), prints the result,
revokes the licence, presents it again and prints the rejection.

Revocation is observed by the verifier when its cached copy of the status list expires (the list's
``ttl``; caching is what keeps the issuer from learning who is checked). The demo restarts the
platform process instead of waiting, and says so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx2

from sceau.wallet import (
    KeyMaterial,
    WalletHttp,
    WalletStore,
    fetch_request,
    plan_presentation,
    receive_offer,
    send_presentation,
)

__all__ = ["DemoOutcome", "run_demo"]

ISSUER_SLUG: Final = "peches-demo"
VERIFIER_SLUG: Final = "agents-demo"
TYPE_ID: Final = "fishing-licence"
PURPOSE: Final = "licence-check"
CLAIMS: Final = {
    "given_name": "Marie",
    "family_name": "Tremblay",
    "licence_number": "QC-2026-0042",
    "waters": "Lac Saint-Jean",
}
START_TIMEOUT_S: Final = 60.0

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "start": "Starting Sceau on {url} (SQLite in {data_dir})",
        "ready": "Platform ready.",
        "tenants": "Created issuer tenant '{issuer}' and verifier tenant '{verifier}'.",
        "type": "Issuer: credential type '{name}' (SD-JWT VC, with status).",
        "verifier": "Verifier: {prefix} client '{client_id}', trusts the issuer for this type.",
        "offer": "Issuer: credential offer created: {uri}",
        "received": "Wallet: received '{name}' (encrypted response: {encrypted}).",
        "request": "Verifier: presentation request (direct_post.jwt): {uri}",
        "asks": "Wallet: verifier '{verifier}' checked ({prefix}); it will see only:",
        "sent": "Wallet: presentation sent (HTTP {status}).",
        "result": "Verifier result: {status}",
        "claims": "Verifier received: {claims}",
        "reasons": "Reasons: {reasons}",
        "revoke": "Issuer: licence {record} revoked ({status}).",
        "restart": (
            "The verifier caches status lists for their ttl, so the issuer never learns who is "
            "checked; restarting the platform instead of waiting."
        ),
        "ok": "Demo complete: the valid licence was accepted, the revoked one rejected.",
        "unexpected": "Unexpected outcome: {detail}",
        "verified": "VERIFIED",
        "rejected": "REJECTED",
        "pending": "PENDING",
        "revoked": "revoked",
    },
    "fr": {
        "start": "Démarrage de Sceau sur {url} (SQLite dans {data_dir})",
        "ready": "Plateforme prête.",
        "tenants": (
            "Locataire émetteur « {issuer} » et locataire vérificateur « {verifier} » créés."
        ),
        "type": "Émetteur : type de titre « {name} » (SD-JWT VC, avec statut).",
        "verifier": (
            "Vérificateur : client {prefix} « {client_id} », "
            "fait confiance à l'émetteur pour ce type."
        ),
        "offer": "Émetteur : offre de titre créée : {uri}",
        "received": "Portefeuille : « {name} » reçu (réponse chiffrée : {encrypted}).",
        "request": "Vérificateur : demande de présentation (direct_post.jwt) : {uri}",
        "asks": "Portefeuille : vérificateur « {verifier} » contrôlé ({prefix}); il ne verra que :",
        "sent": "Portefeuille : présentation envoyée (HTTP {status}).",
        "result": "Résultat du vérificateur : {status}",
        "claims": "Le vérificateur a reçu : {claims}",
        "reasons": "Motifs : {reasons}",
        "revoke": "Émetteur : permis {record} révoqué ({status}).",
        "restart": (
            "Le vérificateur garde les listes de statut en cache pendant leur ttl, pour que "
            "l'émetteur ne sache pas qui est vérifié; la plateforme redémarre au lieu d'attendre."
        ),
        "ok": "Démonstration terminée : le permis valide a été accepté, le permis révoqué refusé.",
        "unexpected": "Résultat inattendu : {detail}",
        "verified": "VÉRIFIÉ",
        "rejected": "REFUSÉ",
        "pending": "EN ATTENTE",
        "revoked": "révoqué",
    },
}

FISHING_TYPE: Final[dict[str, Any]] = {
    "id": TYPE_ID,
    "format": "dc+sd-jwt",
    "display": {
        "en-CA": {"name": "Fishing licence", "description": "Recreational fishing licence"},
        "fr-CA": {"name": "Permis de pêche", "description": "Permis de pêche récréative"},
    },
    "claims_schema": {
        "type": "object",
        "properties": {
            "given_name": {"type": "string"},
            "family_name": {"type": "string"},
            "licence_number": {"type": "string"},
            "waters": {"type": "string"},
        },
        "required": ["given_name", "family_name", "licence_number"],
        "additionalProperties": False,
    },
    "claims_display": {
        "given_name": {"en-CA": {"name": "Given name"}, "fr-CA": {"name": "Prénom"}},
        "family_name": {"en-CA": {"name": "Family name"}, "fr-CA": {"name": "Nom de famille"}},
        "licence_number": {
            "en-CA": {"name": "Licence number"},
            "fr-CA": {"name": "Numéro de permis"},
        },
        "waters": {"en-CA": {"name": "Waters"}, "fr-CA": {"name": "Plans d'eau"}},
    },
    "status_enabled": True,
}


@dataclass
class DemoOutcome:
    first_status: str = ""
    second_status: str = ""
    second_reasons: list[str] = field(default_factory=list)
    disclosed: dict[str, Any] = field(default_factory=dict)

    @property
    def expected(self) -> bool:
        return (
            self.first_status == "verified"
            and self.second_status == "rejected"
            and any("revoked" in r for r in self.second_reasons)
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class _Platform:
    """``sceau run`` in a child process, with its own environment and log file."""

    env: dict[str, str]
    log_path: Path
    url: str
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from sceau.cli import main; main()", "run"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx2.AsyncClient(trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"the platform exited:\n{self.log_tail()}")
                try:
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the platform did not become ready:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


async def _create_tenants(env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The two tenants and their API keys, as ``sceau tenant create`` / ``apikey create`` do."""
    from sceau.db.engine import create_engine
    from sceau.db.migrate import upgrade
    from sceau.settings import load_settings
    from sceau.tenants.models import TenantCreate
    from sceau.tenants.service import Actor, TenantService

    settings = load_settings(env)
    engine = create_engine(settings)
    tokens: dict[str, dict[str, str]] = {}
    try:
        await upgrade(engine)
        service = TenantService(engine)
        actor = Actor("demo", "demo")
        for slug, en, fr, role in (
            (ISSUER_SLUG, "Fisheries (demo)", "Pêches (démo)", "issuer"),
            (
                VERIFIER_SLUG,
                "Conservation officers (demo)",
                "Agents de conservation (démo)",
                "verifier",
            ),
        ):
            created = await service.create_tenant(
                actor, TenantCreate(slug=slug, name_en=en, name_fr=fr)
            )
            key = await service.create_api_key(actor, slug, role, f"demo {role}")  # type: ignore[arg-type]
            tokens[slug] = {"admin": created.admin_key.token, role: key.token}
    finally:
        await engine.dispose()
    return tokens


async def _record_ids(env: dict[str, str]) -> list[str]:
    """The issuer's credential record ids. No admin route lists the records an offer produced
    yet, so the demo reads them from the database the platform writes."""
    from sqlalchemy import select

    from sceau.db.engine import create_engine
    from sceau.settings import load_settings
    from sceau.status_lists.tables import credential_records

    engine = create_engine(load_settings(env))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(credential_records.c.id)
                .where(credential_records.c.tenant == ISSUER_SLUG)
                .order_by(credential_records.c.created_at_ms)
            )
            return [str(r) for r in rows.scalars()]
    finally:
        await engine.dispose()


def _check(response: httpx2.Response, expected: int = 200) -> dict[str, Any]:
    if response.status_code != expected:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    body = response.json()
    return dict(body) if isinstance(body, dict) else {"items": body}


async def configure_tenants(
    admin: httpx2.AsyncClient, url: str, tokens: dict[str, dict[str, str]], lang: str = "en"
) -> tuple[str, dict[str, Any]]:
    """Through the admin API: the issuer's key and licence type, the verifier's configuration
    trusting that issuer. Returns the type's display name and the verifier configuration."""
    issuer_admin = {"Authorization": f"Bearer {tokens[ISSUER_SLUG]['admin']}"}
    verifier_admin = {"Authorization": f"Bearer {tokens[VERIFIER_SLUG]['admin']}"}
    vct = f"{url}/t/{ISSUER_SLUG}/vct/{TYPE_ID}"
    ctype = _check(
        await admin.post(
            f"{url}/admin/tenants/{ISSUER_SLUG}/credential-types",
            json={**FISHING_TYPE, "vct": vct},
            headers=issuer_admin,
        ),
        201,
    )
    name = (
        ctype.get("display", {}).get("fr-CA" if lang == "fr" else "en-CA", {}).get("name", TYPE_ID)
    )
    # The issuer's signing key, made now so the verifier can trust its published JWKS.
    _check(
        await admin.post(
            f"{url}/admin/tenants/{ISSUER_SLUG}/keys",
            json={"algorithm": "ES256"},
            headers=issuer_admin,
        ),
        201,
    )
    jwks = _check(await admin.get(f"{url}/.well-known/jwt-vc-issuer/t/{ISSUER_SLUG}"))["jwks"]
    config = _check(
        await admin.put(
            f"{url}/admin/tenants/{VERIFIER_SLUG}/verifier",
            json={
                # HAIP: x509_hash is the prefix verifiers must use (OpenID4VP §5.9.3).
                "client_id_prefix": "x509_hash",
                "name_en": "Conservation officers (demo)",
                "name_fr": "Agents de conservation (démo)",
                "purposes": [
                    {
                        "id": PURPOSE,
                        "description_en": "Check a fishing licence",
                        "description_fr": "Vérifier un permis de pêche",
                        "allowed_claims": {vct: [["licence_number"], ["given_name"], ["waters"]]},
                    }
                ],
                "trust_policy": {
                    "trusted_issuers": [
                        {
                            "credential_type": vct,
                            "issuer": f"{url}/t/{ISSUER_SLUG}",
                            "jwks": jwks,
                        }
                    ],
                    "require_status": True,
                },
            },
            headers=verifier_admin,
        )
    )
    return name, config


async def _present(
    admin: httpx2.AsyncClient,
    http: WalletHttp,
    store: WalletStore,
    anchors: list[Any],
    url: str,
    verifier_token: str,
    say: Callable[..., None],
    lang: str,
) -> dict[str, Any]:
    vct = f"{url}/t/{ISSUER_SLUG}/vct/{TYPE_ID}"
    query = {
        "credentials": [
            {
                "id": "licence",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [vct]},
                "claims": [{"path": ["licence_number"]}, {"path": ["given_name"]}],
            }
        ]
    }
    created = _check(
        await admin.post(
            f"{url}/admin/tenants/{VERIFIER_SLUG}/presentation-requests",
            json={"dcql_query": query, "purpose": PURPOSE, "response_mode": "direct_post.jwt"},
            headers={"Authorization": f"Bearer {verifier_token}"},
        ),
        201,
    )
    say("request", uri=created["authorization_request_uri"])
    request = await fetch_request(http, created["authorization_request_uri"], trust_anchors=anchors)
    plan = plan_presentation(request, store)
    names = request.verifier_name
    said = names.get(f"client_name#{lang}") or names.get("client_name") or "?"
    say("asks", verifier=f"{said} — {request.verifier_identity}", prefix=request.prefix)
    for item in plan.items:
        for path, value in item.disclosed.items():
            print(f"      {path}: {value}")
    answer = await send_presentation(http, request, plan, store)
    store.save()
    say("sent", status=answer.status_code)
    return _check(
        await admin.get(
            created["result_uri"], headers={"Authorization": f"Bearer {created['secret']}"}
        )
    )


async def run_demo(
    *, lang: str = "en", keep: bool = False, out: Callable[[str], None] = print
) -> DemoOutcome:
    """Run the demo end to end; returns what the verifier decided both times."""
    messages = MESSAGES[lang]

    def say(key: str, **params: Any) -> None:
        out("• " + messages[key].format(**params))

    data_dir = Path(tempfile.mkdtemp(prefix="sceau-demo-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCEAU_ENVIRONMENT": "dev",
        "SCEAU_DATA_DIR": str(data_dir / "data"),
        "SCEAU_DATABASE_URL": "",
        "SCEAU_HOST": "127.0.0.1",
        "SCEAU_PORT": str(port),
        "SCEAU_PUBLIC_URL": url,
        "SCEAU_WORKERS": "1",
        "SCEAU_LOG_LEVEL": "WARNING",
    }
    (data_dir / "data").mkdir()
    platform = _Platform(env, data_dir / "platform.log", url)
    outcome = DemoOutcome()
    say("start", url=url, data_dir=data_dir)
    try:
        tokens = await _create_tenants(env)
        platform.start()
        await platform.wait_ready()
        say("ready")
        say("tenants", issuer=ISSUER_SLUG, verifier=VERIFIER_SLUG)
        store = WalletStore.open(data_dir / "wallet", KeyMaterial(key_file_bytes=os.urandom(32)))
        async with httpx2.AsyncClient(trust_env=False, timeout=30) as admin, WalletHttp() as http:
            name, config = await configure_tenants(admin, url, tokens, lang)
            say("type", name=name)
            say("verifier", prefix=config["client_id_prefix"], client_id=config["client_id"])
            # The wallet trusts the verifier's generated development root explicitly.
            from cryptography import x509

            anchors = [x509.load_pem_x509_certificate(config["x509_chain_pem"][-1].encode())]

            offer = _check(
                await admin.post(
                    f"{url}/admin/tenants/{ISSUER_SLUG}/offers",
                    json={"credential_configuration_ids": [TYPE_ID], "claims": CLAIMS},
                    headers={"Authorization": f"Bearer {tokens[ISSUER_SLUG]['issuer']}"},
                ),
                201,
            )
            say("offer", uri=offer["offer_uri"])
            received = await receive_offer(http, store, offer["offer_uri"])
            store.save()
            say("received", name=name, encrypted=received.encrypted_response)

            verifier_token = tokens[VERIFIER_SLUG]["verifier"]
            first = await _present(admin, http, store, anchors, url, verifier_token, say, lang)
            outcome.first_status = str(first["status"])
            outcome.disclosed = dict((first.get("claims") or {}).get("licence", [{}])[0])
            say("result", status=messages.get(outcome.first_status, outcome.first_status))
            shown = {k: v for k, v in outcome.disclosed.items() if k in CLAIMS}
            say("claims", claims=shown)
            if first.get("reasons"):
                say("reasons", reasons=", ".join(first["reasons"]))

            [record_id] = await _record_ids(env)
            change = _check(
                await admin.post(
                    f"{url}/admin/tenants/{ISSUER_SLUG}/credentials/{record_id}/revoke",
                    headers={"Authorization": f"Bearer {tokens[ISSUER_SLUG]['issuer']}"},
                )
            )
            status = str(change.get("status"))
            say("revoke", record=record_id, status=messages.get(status, status))

            say("restart")
            platform.stop()
            platform.start()
            await platform.wait_ready()

            second = await _present(admin, http, store, anchors, url, verifier_token, say, lang)
            outcome.second_status = str(second["status"])
            outcome.second_reasons = [str(r) for r in second.get("reasons", [])]
            say("result", status=messages.get(outcome.second_status, outcome.second_status))
            say("reasons", reasons=", ".join(outcome.second_reasons) or "-")
        if outcome.expected:
            say("ok")
        else:
            say("unexpected", detail=f"{outcome.first_status} / {outcome.second_status}")
        return outcome
    finally:
        platform.stop()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
