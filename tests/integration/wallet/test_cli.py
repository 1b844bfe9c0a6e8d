"""``sceau wallet`` against a real platform process (``sceau run`` on SQLite, loopback http)."""

import asyncio
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner

from sceau.cli import main
from sceau.demo import (
    CLAIMS,
    ISSUER_SLUG,
    PURPOSE,
    TYPE_ID,
    VERIFIER_SLUG,
    _create_tenants,
    _free_port,
    _Platform,
    configure_tenants,
)


@dataclass
class Live:
    url: str
    tokens: dict[str, dict[str, str]]
    anchor_pem: str

    def call(self, method: str, path: str, token: str, **kw: Any) -> dict[str, Any]:
        async def go() -> dict[str, Any]:
            async with httpx2.AsyncClient(trust_env=False) as c:
                headers = {"Authorization": f"Bearer {token}"}
                r = await c.request(method, self.url + path, headers=headers, **kw)
                assert r.status_code in (200, 201), r.text
                return dict(r.json())

        return asyncio.run(go())


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data = tmp_path_factory.mktemp("platform")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCEAU_")},
        "SCEAU_ENVIRONMENT": "dev",
        "SCEAU_DATA_DIR": str(data),
        "SCEAU_PORT": str(port),
        "SCEAU_PUBLIC_URL": url,
        "SCEAU_LOG_LEVEL": "WARNING",
    }
    tokens = asyncio.run(_create_tenants(env))
    platform = _Platform(env, data / "platform.log", url)
    platform.start()
    try:
        asyncio.run(platform.wait_ready())

        async def configure() -> dict[str, Any]:
            async with httpx2.AsyncClient(trust_env=False) as admin:
                return (await configure_tenants(admin, url, tokens))[1]

        config = asyncio.run(configure())
        yield Live(url, tokens, config["x509_chain_pem"][-1])
    finally:
        platform.stop()


def _wallet(tmp_path: Path) -> tuple[CliRunner, list[str]]:
    key_file = tmp_path / "wallet.key"
    key_file.write_bytes(os.urandom(32))
    args = ["wallet", "--wallet-dir", str(tmp_path / "w"), "--key-file", str(key_file)]
    return CliRunner(), args


def _offer(live: Live, **body: Any) -> dict[str, Any]:
    return live.call(
        "POST",
        f"/admin/tenants/{ISSUER_SLUG}/offers",
        live.tokens[ISSUER_SLUG]["issuer"],
        json={"credential_configuration_ids": [TYPE_ID], "claims": CLAIMS, **body},
    )


def _query(live: Live) -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": "licence",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [f"{live.url}/t/{ISSUER_SLUG}/vct/{TYPE_ID}"]},
                "claims": [{"path": ["licence_number"]}],
            }
        ]
    }


def test_cli_receives_lists_and_presents_with_minimum_disclosure(
    live: Live, tmp_path: Path
) -> None:
    runner, wallet = _wallet(tmp_path)
    offer = _offer(live, tx_code=True)
    received = runner.invoke(
        main, [*wallet, "receive", offer["offer_uri"], "--tx-code", offer["tx_code"], "--json"]
    )
    assert received.exit_code == 0, received.output
    [credential] = json.loads(received.output)["credentials"]
    assert credential["format"] == "dc+sd-jwt"

    listed = runner.invoke(main, [*wallet, "list", "--json"])
    assert listed.exit_code == 0, listed.output
    [item] = json.loads(listed.output)
    assert item["id"] == credential["id"]
    assert item["claims"]["licence_number"] == "QC-2026-0042"
    assert item["name"] == "Fishing licence"
    readable = runner.invoke(main, [*wallet, "list", "--lang", "fr"])
    assert "Permis de pêche" in readable.output

    anchor = tmp_path / "verifier-root.pem"
    anchor.write_text(live.anchor_pem)
    assert runner.invoke(main, [*wallet, "trust", str(anchor)]).exit_code == 0

    created = live.call(
        "POST",
        f"/admin/tenants/{VERIFIER_SLUG}/presentation-requests",
        live.tokens[VERIFIER_SLUG]["verifier"],
        json={"dcql_query": _query(live), "purpose": PURPOSE},
    )
    presented = runner.invoke(
        main, [*wallet, "present", created["authorization_request_uri"], "--yes", "--json"]
    )
    assert presented.exit_code == 0, presented.output
    answer = json.loads(presented.output)
    assert answer["status_code"] == 200
    assert answer["disclosed"] == [
        {"query_id": "licence", "claims": {"licence_number": "QC-2026-0042"}}
    ]
    result = live.call("GET", created["result_uri"].removeprefix(live.url), created["secret"])
    assert result["status"] == "verified", result
    assert set(result["claims"]["licence"][0]) & set(CLAIMS) == {"licence_number"}

    removed = runner.invoke(main, [*wallet, "remove", credential["id"], "--json"])
    assert removed.exit_code == 0, removed.output
    assert json.loads(runner.invoke(main, [*wallet, "list", "--json"]).output) == []


def test_cli_present_without_a_trusted_root_refuses_and_sends_nothing(
    live: Live, tmp_path: Path
) -> None:
    runner, wallet = _wallet(tmp_path)
    offer = _offer(live)
    assert runner.invoke(main, [*wallet, "receive", offer["offer_uri"]]).exit_code == 0
    created = live.call(
        "POST",
        f"/admin/tenants/{VERIFIER_SLUG}/presentation-requests",
        live.tokens[VERIFIER_SLUG]["verifier"],
        json={"dcql_query": _query(live), "purpose": PURPOSE},
    )
    refused = runner.invoke(
        main, [*wallet, "present", created["authorization_request_uri"], "--yes"]
    )
    assert refused.exit_code == 1
    assert "untrusted_verifier" in refused.output
    result = live.call("GET", created["result_uri"].removeprefix(live.url), created["secret"])
    assert result["status"] == "pending"


def test_cli_receive_with_a_wrong_key_file_cannot_open_the_wallet(
    live: Live, tmp_path: Path
) -> None:
    runner, wallet = _wallet(tmp_path)
    offer = _offer(live)
    assert runner.invoke(main, [*wallet, "receive", offer["offer_uri"]]).exit_code == 0
    other = tmp_path / "other.key"
    other.write_bytes(os.urandom(32))
    wallet[-1] = str(other)
    listed = runner.invoke(main, [*wallet, "list"])
    assert listed.exit_code == 1
    assert "wallet_locked" in listed.output


class UpstreamServer:
    """A small real OpenID Connect provider on loopback that signs in one person at once."""

    def __init__(self) -> None:
        import threading
        import time as _time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlencode, urlsplit

        from sceau.core.jose import SoftwareSigner, generate_private_key, sign_compact_sync

        signer = SoftwareSigner(generate_private_key("ES256"), "ES256")
        codes: dict[str, str] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/.well-known/openid-configuration":
                    self._json(
                        200,
                        {
                            "issuer": outer.url,
                            "authorization_endpoint": f"{outer.url}/authorize",
                            "token_endpoint": f"{outer.url}/token",
                            "jwks_uri": f"{outer.url}/jwks",
                        },
                    )
                elif parts.path == "/jwks":
                    self._json(200, {"keys": [{**signer.public_jwk, "kid": "up1"}]})
                elif parts.path == "/authorize":  # the person signs in at once
                    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                    code = os.urandom(12).hex()
                    codes[code] = q["nonce"]
                    back = urlencode({"code": code, "state": q["state"]})
                    self.send_response(302)
                    self.send_header("Location", f"{q['redirect_uri']}?{back}")
                    self.end_headers()
                else:
                    self._json(404, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                nonce = codes.pop(form.get("code", ""), None)
                if nonce is None:
                    self._json(400, {"error": "invalid_grant"})
                    return
                now = int(_time.time())
                claims = {
                    "iss": outer.url,
                    "aud": "sceau-peches",
                    "sub": "u1",
                    "iat": now,
                    "exp": now + 300,
                    "nonce": nonce,
                    "given_name": "Jeanne",
                    "family_name": "Roy",
                    "licence_no": "QC-OIDC-1",
                }
                token = sign_compact_sync({"kid": "up1", "typ": "JWT"}, claims, signer)
                self._json(200, {"id_token": token, "token_type": "Bearer"})

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.mark.parametrize("start", ["issuer_url", "offer"])
def test_cli_authorization_code_flow_signs_in_through_the_browser(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    import threading
    import webbrowser

    upstream = UpstreamServer()
    try:
        live.call(
            "PUT",
            f"/admin/tenants/{ISSUER_SLUG}/upstream-oidc",
            live.tokens[ISSUER_SLUG]["admin"],
            json={
                "issuer": upstream.url,
                "client_id": "sceau-peches",
                "client_secret": "s3cret-s3cret",
                "claim_mapping": {
                    TYPE_ID: {
                        "given_name": "given_name",
                        "family_name": "family_name",
                        "licence_number": "licence_no",
                    }
                },
            },
        )

        def browse(url: str) -> None:
            # A browser: follows every redirect (issuer → provider → issuer → wallet), keeping
            # the issuer's cookie; the wallet's loopback listener ends the trip.
            import httpx as sync_httpx

            with sync_httpx.Client(follow_redirects=True, timeout=30) as b:
                b.get(url)

        monkeypatch.setattr(
            webbrowser, "open", lambda url: threading.Thread(target=browse, args=(url,)).start()
        )
        runner, wallet = _wallet(tmp_path)
        if start == "issuer_url":  # wallet-initiated: the person names the issuer and type
            args = [f"{live.url}/t/{ISSUER_SLUG}", "--configuration", TYPE_ID]
        else:  # issuer-initiated: an authorization code offer with issuer_state (§4.1.1)
            offer = live.call(
                "POST",
                f"/admin/tenants/{ISSUER_SLUG}/offers",
                live.tokens[ISSUER_SLUG]["issuer"],
                json={"credential_configuration_ids": [TYPE_ID], "grant": "authorization_code"},
            )
            assert "issuer_state" in offer["credential_offer"]["grants"]["authorization_code"]
            args = [offer["offer_uri_by_value"]]
        received = runner.invoke(main, [*wallet, "receive", *args, "--json"])
        assert received.exit_code == 0, received.output
        listed = json.loads(runner.invoke(main, [*wallet, "list", "--json"]).output)
        assert [c["claims"]["licence_number"] for c in listed] == ["QC-OIDC-1"]
        if start == "offer":  # the offer started one flow; a second is refused
            again = runner.invoke(main, [*wallet, "receive", *args, "--json"])
            assert again.exit_code != 0
    finally:
        upstream.close()


def test_cli_present_shows_who_asks_and_what_is_disclosed_in_french(
    live: Live, tmp_path: Path
) -> None:
    runner, wallet = _wallet(tmp_path)
    offer = _offer(live)
    assert runner.invoke(main, [*wallet, "receive", offer["offer_uri"]]).exit_code == 0
    anchor = tmp_path / "root.pem"
    anchor.write_text(live.anchor_pem)
    created = live.call(
        "POST",
        f"/admin/tenants/{VERIFIER_SLUG}/presentation-requests",
        live.tokens[VERIFIER_SLUG]["verifier"],
        json={"dcql_query": _query(live), "purpose": PURPOSE, "response_mode": "direct_post.jwt"},
    )
    uri = created["authorization_request_uri"]
    args = [*wallet, "present", uri, "--trust-anchor", str(anchor), "--lang", "fr"]
    declined = runner.invoke(main, args, input="n\n")
    assert declined.exit_code == 0, declined.output
    assert "Agents de conservation (démo)" in declined.output
    assert "Permis de pêche" in declined.output
    assert "licence_number: QC-2026-0042" in declined.output
    assert "given_name" not in declined.output  # only what the query asks
    assert "Nothing sent." in declined.output
    status = live.call("GET", created["result_uri"].removeprefix(live.url), created["secret"])
    assert status["status"] == "pending"


def test_cli_passphrase_wallet_opens_only_with_the_same_passphrase(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["wallet", "--wallet-dir", str(tmp_path / "w"), "--scrypt-n", "1024"]
    env = {"SCEAU_WALLET_PASSPHRASE": "correct horse"}
    assert runner.invoke(main, [*base, "list", "--json"], env=env).output.strip() == "[]"
    missing = runner.invoke(main, [*base, "remove", "nothing"], env=env)
    assert missing.exit_code == 1 and "no credential" in missing.output
    from sceau.wallet import WalletStore, passphrase_key

    store = WalletStore.open(tmp_path / "w", passphrase_key("correct horse", scrypt_n=1024))
    store.new_key()
    store.save()
    wrong = runner.invoke(main, [*base, "list"], env={"SCEAU_WALLET_PASSPHRASE": "wrong"})
    assert wrong.exit_code == 1 and "wallet_locked" in wrong.output
    prompted = runner.invoke(
        main,
        [*base, "list", "--json"],
        input="correct horse\n",
        env={"SCEAU_WALLET_PASSPHRASE": None},
    )
    assert prompted.exit_code == 0, prompted.output
