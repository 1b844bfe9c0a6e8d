"""The sign-in page in a real browser: headless Chromium (Debian's ``/usr/bin/chromium``) driven by
npm ``playwright-core``, with npm ``axe-core``, against ``sceau run`` on a loopback port.

The platform runs as a child process (granian, SQLite in a temporary directory,
``SCEAU_PUBLIC_URL`` pointing at it), set up over its admin API with the helpers of
tests/integration/signin (tenant-a issues a fishing licence to the reference wallet, verifies it,
and has one relying party registered). One Node script (one browser launch) loads the page in
French (``ui_locales``) and English (toggle), takes screenshots, runs axe-core (WCAG 2.0/2.1 A and
AA, zero violations), checks that the CSP refuses an injected inline script, and follows the
same-device flow by keyboard only; the reference wallet (``sceau.wallet``) presents to the
``openid4vp://`` URI the browser activated, the page's polling takes the browser to the relying
party's redirect URI, and the code is redeemed at the token endpoint by Authlib.

Missing node, chromium or the npm packages fail the test (never a skip): ``make browser-js``.
"""

# No postponed annotations (see tests/integration/conftest.py).

import asyncio
import contextlib
import http.server
import json
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from cryptography import x509
from joserfc import jwt
from joserfc.jwk import KeySet
from tests.integration.conftest import make_tenant
from tests.integration.live_server import free_port, live_sceau
from tests.integration.signin.conftest import (
    FISHING_TYPE,
    LICENCE_SCOPE,
    TENANT,
    Rp,
    World,
    configure_verifier,
    query_of,
)

from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.settings import load_settings
from sceau.tenants.service import TenantService
from sceau.wallet import WalletHttp, fetch_request, plan_presentation, send_presentation

pytestmark = [pytest.mark.interop, pytest.mark.anyio]

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "signin_browser.mjs"
CHROMIUM = os.environ.get("SCEAU_TEST_CHROMIUM", "/usr/bin/chromium")
NPM_PACKAGES = ("playwright-core", "axe-core")
START_TIMEOUT_S = 60.0
BROWSER_TIMEOUT_S = 90.0
WCAG_TAGS = "wcag2a, wcag2aa, wcag21a, wcag21aa"


def require_browser_tools() -> str:
    """Path of node; fails (never skips) with what to install when anything is missing."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (apt-get install nodejs npm)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    for package in NPM_PACKAGES:
        if not (HERE / "node_modules" / package / "package.json").is_file():
            missing.append(f"npm {package} in tests/browser/node_modules (make browser-js)")
    if missing:
        pytest.fail("browser test prerequisites missing: " + "; ".join(missing), pytrace=False)
    assert node is not None
    return node


@contextlib.asynccontextmanager
async def platform(tmp: Path) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """``sceau run`` on a free loopback port; (public URL, tenant-a's API tokens by role)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCEAU_")}
    env.update(
        SCEAU_DATA_DIR=str(tmp / "data"),
        SCEAU_DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'sceau.db'}",
    )
    (tmp / "data").mkdir()
    engine = create_engine(load_settings(env))
    try:
        await upgrade(engine)
        tenant = await make_tenant(TenantService(engine), TENANT)
    finally:
        await engine.dispose()
    async with live_sceau(env, tmp / "platform.log", port=port) as url:
        yield url, tenant.tokens


class _RelyingParty(http.server.BaseHTTPRequestHandler):
    """The relying party's redirect URI: a page the browser can land on (and nothing more)."""

    def do_GET(self) -> None:
        body = b"<!doctype html><html lang=en><title>Relying party</title><p>Signed in.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def relying_party_server() -> Iterator[str]:
    """A loopback HTTP server for the RP's redirect URI (http is allowed on loopback only)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RelyingParty)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback"
    finally:
        server.shutdown()
        server.server_close()


class NodeScript:
    """The Node side: JSON lines on stdin/stdout; stderr kept in a file for failure messages."""

    def __init__(self, proc: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.proc = proc
        self.stderr_path = stderr_path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-6000:]

    async def send(self, obj: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        await self.proc.stdin.drain()

    async def next_event(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), BROWSER_TIMEOUT_S)
        except TimeoutError:
            pytest.fail(
                f"the browser script said nothing for {BROWSER_TIMEOUT_S} s:\n{self.stderr()}"
            )
        if not line:
            await self.proc.wait()
            pytest.fail(
                f"the browser script ended (exit {self.proc.returncode}):\n{self.stderr()}",
                pytrace=False,
            )
        event: dict[str, Any] = json.loads(line)
        return event


async def test_signin_page_in_chromium_bilingual_accessible_csp_and_keyboard_flow(
    tmp_path: Path,
) -> None:
    node = require_browser_tools()
    with relying_party_server() as redirect_uri:
        await sign_in_in_the_browser(node, tmp_path, redirect_uri)


async def sign_in_in_the_browser(node: str, tmp_path: Path, redirect_uri: str) -> None:
    async with (
        platform(tmp_path) as (url, tokens),
        httpx2.AsyncClient(base_url=url, trust_env=False, timeout=30) as admin,
        WalletHttp() as wallet_http,
    ):
        issuer = f"{url}/t/{TENANT}/oidc"
        tenant = type("Tenant", (), {"tokens": tokens})()
        world = World(None, None, admin, wallet_http, tenant, None, tmp_path / "wallet")  # type: ignore[arg-type]
        r = await admin.post(
            f"/admin/tenants/{TENANT}/credential-types", json=FISHING_TYPE, headers=world.auth()
        )
        assert r.status_code == 201, r.text
        # Issuing first creates the tenant's signing key, which the trust policy then pins.
        store = await world.wallet_with_licence()
        config = await configure_verifier(world, f"{url}/t/{TENANT}")
        anchor = x509.load_pem_x509_certificate(config["x509_chain_pem"][-1].encode())
        r = await admin.post(
            f"/admin/tenants/{TENANT}/relying-parties",
            json={
                "name_en": "Fishing licence renewals",
                "name_fr": "Renouvellement des permis de pêche",
                "redirect_uris": [redirect_uri],
                "token_endpoint_auth_method": "client_secret_basic",
                "scopes": {"licence": LICENCE_SCOPE},
            },
            headers=world.auth(),
        )
        assert r.status_code == 201, r.text
        created = r.json()
        rp = Rp(created["relying_party"]["client_id"], redirect_uri, created["client_secret"])

        client = AsyncOAuth2Client(
            rp.client_id,
            rp.secret,
            token_endpoint_auth_method="client_secret_basic",
            redirect_uri=rp.redirect_uri,
            scope="openid licence",
            code_challenge_method="S256",
            trust_env=False,
        )
        verifier, nonce = generate_token(48), generate_token(20)
        authorize_url, state = client.create_authorization_url(
            f"{issuer}/authorize", code_verifier=verifier, nonce=nonce, ui_locales="fr-CA en"
        )

        english_url, _ = client.create_authorization_url(
            f"{issuer}/authorize", code_verifier=generate_token(48), ui_locales="en-CA"
        )

        shots = tmp_path / "screenshots"
        shots.mkdir()
        stderr_path = tmp_path / "node-stderr.txt"
        with stderr_path.open("wb") as stderr_file:
            proc = await asyncio.create_subprocess_exec(
                node,
                str(SCRIPT),
                cwd=HERE,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr_file,
            )
        script = NodeScript(proc, stderr_path)
        try:
            await script.send(
                {
                    "authorize_url": authorize_url,
                    "authorize_url_en": english_url,
                    "redirect_uri": rp.redirect_uri,
                    "screenshot_dir": str(shots),
                    "executable": CHROMIUM,
                }
            )
            screenshots: dict[str, str] = {}
            presented = None
            while True:
                event = await script.next_event()
                if event["event"] == "screenshot":
                    screenshots[event["lang"]] = event["path"]
                    print(f"screenshot ({event['lang']}): {event['path']}")
                elif event["event"] == "wallet_uri":
                    uri = event["uri"]
                    assert uri.startswith("openid4vp://"), uri
                    request = await fetch_request(wallet_http, uri, trust_anchors=[anchor])
                    presented = await send_presentation(
                        wallet_http, request, plan_presentation(request, store), store
                    )
                    assert presented.status_code == 200, presented.body
                    await script.send({"presented": True})
                elif event["event"] == "done":
                    results: dict[str, Any] = event["results"]
                    break
            assert await asyncio.wait_for(proc.wait(), 30) == 0, script.stderr()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

        # Both languages: lang attribute, texts, screenshots on disk.
        assert set(screenshots) == {"fr", "en"}
        for path in screenshots.values():
            assert (await anyio.Path(path).stat()).st_size > 10_000, path
        assert results["fr"]["lang"].startswith("fr") and results["en"]["lang"].startswith("en")
        assert results["fr"]["heading"] != results["en"]["heading"]
        assert results["en"]["url"].split("?")[0] == results["fr"]["url"].split("?")[0]
        assert results["ui_locales_en"]["lang"].startswith("en")
        assert results["ui_locales_en"]["heading"] == results["en"]["heading"]

        # axe-core at WCAG 2.1 AA: zero violations, every one listed when any.
        for lang in ("fr", "en"):
            violations = results[lang]["axe_violations"]
            assert violations == [], f"axe ({WCAG_TAGS}) violations on the {lang} page:\n" + (
                json.dumps(violations, indent=2, ensure_ascii=False)
            )
            assert results[lang]["axe_passes"] > 10  # axe really ran rules
            # The page's own scripts and styles load under its CSP without a violation.
            assert results[lang]["csp_violations"] == [], results[lang]["csp_violations"]
        # ... and the same axe run does report a violation on a page that has one.
        assert "image-alt" in results["axe_self_check"], results["axe_self_check"]

        # The CSP refuses an injected inline script: no side effect, and a reported violation.
        csp = results["csp"]
        assert "script-src 'self'" in csp["header"] and "unsafe-inline" not in csp["header"]
        assert csp["inline_ran"] is False
        assert any(v["directive"].startswith("script-src") for v in csp["violations"]), csp
        print(f"CSP: inline script refused ({csp['inject_error']}; {csp['violations']})")

        # Keyboard only: Tab reached #open-wallet (focus visible) and Enter opened the wallet URI.
        keyboard = results["keyboard"]
        assert keyboard["activated"]["id"] == "open-wallet"
        assert keyboard["focus_visible"] is True
        assert presented is not None and presented.redirect_uri is not None

        # The live region announced the verified status (English page), then the page's polling
        # took the browser to the RP with a code; Authlib redeems it.
        assert results["announced"], "nothing announced in #status"
        print(f"announced in #status: {results['announced']!r}")
        redirect = results["redirect"]
        assert redirect.startswith(rp.redirect_uri + "?"), redirect
        q = query_of(redirect)
        assert "code" in q, f"no code in the redirect: {redirect}"
        assert q["state"] == state and q["iss"] == issuer
        token = await client.fetch_token(
            f"{issuer}/token", authorization_response=redirect, code_verifier=verifier
        )
        await client.aclose()
        jwks = (await admin.get(f"/t/{TENANT}/jwks.json")).json()
        claims = jwt.decode(
            token["id_token"], KeySet.import_key_set(jwks), algorithms=["ES256"]
        ).claims
        assert claims["iss"] == issuer and claims["aud"] == rp.client_id
        assert claims["nonce"] == nonce
        assert claims["licence_number"] == "QC-2026-0042"
        assert urlsplit(redirect).hostname == urlsplit(rp.redirect_uri).hostname
