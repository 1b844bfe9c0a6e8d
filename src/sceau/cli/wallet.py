"""``sceau wallet``: the reference wallet (holder side), a separate product from the server.

It imports only :mod:`sceau.wallet` (itself built on :mod:`sceau.core`), never the server.
The store lives in ``--wallet-dir`` / ``SCEAU_WALLET_DIR``; it is opened with
``SCEAU_WALLET_PASSPHRASE`` (asked for when unset) or a 32-byte ``--key-file``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from sceau.cli._common import console, emit_json, fail, json_option

T = TypeVar("T")

DEFAULT_WALLET_DIR = "~/.sceau-wallet"
TRUST_DIR = "trust"


@dataclass(frozen=True)
class WalletOptions:
    directory: Path
    key_file: Path | None
    scrypt_n: int

    def open(self) -> Any:
        from sceau.wallet import KeyMaterial, WalletStore

        if self.key_file is not None:
            material = KeyMaterial(key_file_bytes=self.key_file.read_bytes())
        else:
            passphrase = os.environ.get("SCEAU_WALLET_PASSPHRASE") or click.prompt(
                "Wallet passphrase", hide_input=True, err=True
            )
            material = KeyMaterial(passphrase=passphrase, scrypt_n=self.scrypt_n)
        from sceau.core.errors import SceauError

        try:
            return WalletStore.open(self.directory, material)
        except SceauError as exc:
            fail(f"{exc.code}: {exc.detail or exc.code}")

    def trust_anchors(self, extra: tuple[str, ...]) -> list[Any]:
        from cryptography import x509

        paths = [Path(p) for p in extra]
        trust_dir = self.directory / TRUST_DIR
        if trust_dir.is_dir():
            paths += sorted(trust_dir.glob("*.pem"))
        anchors = []
        for path in paths:
            anchors += x509.load_pem_x509_certificates(path.read_bytes())
        return anchors


def _run(action: Callable[[], Coroutine[Any, Any, T]]) -> T:
    from sceau.core.errors import SceauError

    try:
        return asyncio.run(action())
    except SceauError as exc:
        fail(f"{exc.code}: {exc.detail or exc.code}")


def _display_name(display: list[dict[str, Any]], lang: str) -> str | None:
    for item in display:
        if str(item.get("locale", "")).startswith(lang):
            return str(item.get("name"))
    return str(display[0]["name"]) if display else None


@click.group()
@click.option(
    "--wallet-dir",
    envvar="SCEAU_WALLET_DIR",
    default=DEFAULT_WALLET_DIR,
    show_default=True,
    help="Directory of the encrypted wallet (SCEAU_WALLET_DIR).",
)
@click.option(
    "--key-file",
    envvar="SCEAU_WALLET_KEY_FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="32-byte key file instead of a passphrase (SCEAU_WALLET_KEY_FILE).",
)
@click.option("--scrypt-n", type=int, default=2**15, hidden=True)
@click.pass_context
def wallet(ctx: click.Context, wallet_dir: str, key_file: Path | None, scrypt_n: int) -> None:
    """The reference wallet: receive (OpenID4VCI), list and present (OpenID4VP) credentials."""
    ctx.obj = WalletOptions(Path(wallet_dir).expanduser(), key_file, scrypt_n)


async def _loopback_browser(timeout_s: float = 600.0) -> tuple[str, Any, Any]:
    """A one-shot listener on 127.0.0.1 for the authorization response (RFC 8252 §7.3)."""
    import webbrowser

    loop = asyncio.get_running_loop()
    arrived: asyncio.Future[str] = loop.create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1")
            target = line.split(" ")[1] if line.count(" ") >= 2 else "/"
            body = b"Sceau wallet: you can close this window. / Vous pouvez fermer cette fenetre."
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            if target.startswith("/callback") and not arrived.done():
                arrived.set_result(target)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    redirect_uri = f"http://127.0.0.1:{port}/callback"

    async def browse(url: str) -> str:
        click.echo(f"Open this address to sign in / Ouvrez cette adresse :\n  {url}", err=True)
        webbrowser.open(url)
        target = await asyncio.wait_for(arrived, timeout_s)
        return f"http://127.0.0.1:{port}{target}"

    return redirect_uri, browse, server


@wallet.command()
@click.argument("offer_uri")
@click.option("--tx-code", help="Transaction code (PIN) the issuer sent you separately.")
@click.option(
    "--configuration",
    "configurations",
    multiple=True,
    help="With an issuer URL instead of an offer: the credential configuration to ask for "
    "(authorization code flow: you sign in in your browser).",
)
@click.option(
    "--batch",
    "batch_size",
    type=int,
    default=1,
    show_default=True,
    help="Credentials to ask for, each bound to its own key (issuer's limit applies).",
)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@json_option
@click.pass_obj
def receive(
    options: WalletOptions,
    offer_uri: str,
    tx_code: str | None,
    configurations: tuple[str, ...],
    batch_size: int,
    lang: str,
    as_json: bool,
) -> None:
    """Receive credentials: OFFER_URI is a credential offer (openid-credential-offer://...), or
    an issuer URL with --configuration for the authorization code flow. An offer with an
    authorization code grant opens your browser to sign in, like --configuration does."""
    from sceau.wallet import WalletHttp, receive_offer, receive_with_authorization
    from sceau.wallet.issuance import resolve_offer

    store = options.open()

    async def action() -> Any:
        async with WalletHttp() as http:
            issuer, wanted, issuer_state = offer_uri.rstrip("/"), list(configurations), None
            if not configurations:
                offer = await resolve_offer(http, offer_uri)
                if offer.pre_authorized_code is not None:
                    return await receive_offer(
                        http, store, offer_uri, tx_code=tx_code, batch_size=batch_size
                    )
                issuer, wanted = offer.credential_issuer, list(offer.configuration_ids)
                issuer_state = offer.issuer_state
            redirect_uri, browse, server = await _loopback_browser()
            try:
                return await receive_with_authorization(
                    http,
                    store,
                    issuer,
                    wanted,
                    browser=browse,
                    redirect_uri=redirect_uri,
                    issuer_state=issuer_state,
                    batch_size=batch_size,
                )
            finally:
                server.close()

    received = _run(action)
    store.save()
    if as_json:
        emit_json(
            {
                "credential_issuer": received.credential_issuer,
                "encrypted_response": received.encrypted_response,
                "credentials": [
                    {"id": c.id, "format": c.format, "configuration_id": c.configuration_id}
                    for c in received.credentials
                ],
            }
        )
        return
    out = console()
    for c in received.credentials:
        name = _display_name(c.display, lang) or c.configuration_id
        out.print(f"Received [bold]{name}[/bold] ({c.format}) from {c.issuer}  id={c.id}")


@wallet.command("list")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@json_option
@click.pass_obj
def list_credentials(options: WalletOptions, lang: str, as_json: bool) -> None:
    """List the credentials in the wallet (claims shown only here, on your machine)."""
    store = options.open()
    credentials = store.credentials
    if as_json:
        emit_json(
            [
                {
                    "id": c.id,
                    "format": c.format,
                    "issuer": c.issuer,
                    "configuration_id": c.configuration_id,
                    "received_at": c.received_at,
                    "name": _display_name(c.display, lang),
                    "claims": c.claims,
                }
                for c in credentials
            ]
        )
        return
    out = console()
    if not credentials:
        out.print("The wallet is empty.")
    for c in credentials:
        name = _display_name(c.display, lang) or c.configuration_id
        out.print(f"[bold]{name}[/bold]  {c.format}  {c.issuer}  id={c.id}")
        for key, value in c.claims.items():
            if key not in ("cnf", "_sd_alg", "status"):
                out.print(f"    {key}: {value}")


@wallet.command()
@click.argument("request_uri")
@click.option("--yes", is_flag=True, help="Send without asking (what is disclosed is printed).")
@click.option(
    "--trust-anchor",
    "trust_anchors",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "PEM root certificate for x509_hash / x509_san_dns verifiers"
        " (also read from <wallet-dir>/trust/)."
    ),
)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@json_option
@click.pass_obj
def present(
    options: WalletOptions,
    request_uri: str,
    yes: bool,
    trust_anchors: tuple[str, ...],
    lang: str,
    as_json: bool,
) -> None:
    """Answer a presentation request (openid4vp://... or haip://...) with the minimum
    disclosures."""
    from sceau.wallet import WalletHttp, fetch_request, plan_presentation, send_presentation

    if as_json and not yes:
        fail("--json needs --yes (there is no prompt in JSON mode)", 2)
    store = options.open()
    anchors = options.trust_anchors(trust_anchors)

    async def action() -> Any:
        async with WalletHttp() as http:
            request = await fetch_request(http, request_uri, trust_anchors=anchors)
            plan = plan_presentation(request, store)
            if not as_json:
                out = console()
                names = request.verifier_name
                # The name is what the verifier says about itself; the identity is what was checked.
                said = names.get(f"client_name#{lang}") or names.get("client_name") or "?"
                out.print(
                    f"Verifier: [bold]{said}[/bold] — {request.verifier_identity}"
                    f" ({request.prefix}, signature and identity checked)"
                )
                for item in plan.items:
                    name = (
                        _display_name(item.credential.display, lang)
                        or item.credential.configuration_id
                    )
                    out.print(f"It asks for [bold]{name}[/bold]; you would disclose:")
                    for path, value in item.disclosed.items():
                        out.print(f"    {path}: {value}")
            if not yes and not click.confirm("Send?", default=False, err=True):
                return request, plan, None
            return request, plan, await send_presentation(http, request, plan, store)

    request, plan, answer = _run(action)
    if answer is not None:
        store.save()  # which copies were presented (the least used goes next time)
    if as_json:
        emit_json(
            {
                "verifier": request.client_id,
                "disclosed": [{"query_id": i.query_id, "claims": i.disclosed} for i in plan.items],
                "status_code": answer.status_code if answer else None,
                "redirect_uri": answer.redirect_uri if answer else None,
            }
        )
    elif answer is None:
        console().print("Nothing sent.")
    else:
        if 200 <= answer.status_code < 300:
            console().print(f"Sent: the verifier answered HTTP {answer.status_code}")
        else:  # e.g. 400: the presentation did not pass the verifier's checks
            why = answer.body.get("error_description") or answer.body.get("error") or answer.body
            console().print(f"Sent, but refused by the verifier (HTTP {answer.status_code}): {why}")
        if answer.redirect_uri:
            console().print(f"Continue at {answer.redirect_uri}")
    if answer is not None and not 200 <= answer.status_code < 300:
        raise SystemExit(1)


@wallet.command()
@click.argument("credential_id")
@json_option
@click.pass_obj
def remove(options: WalletOptions, credential_id: str, as_json: bool) -> None:
    """Delete a credential from the wallet (its holder key stays, unused)."""
    store = options.open()
    if credential_id not in {c.id for c in store.credentials}:
        fail(f"no credential {credential_id} in this wallet", 1)
    store.remove(credential_id)
    store.save()
    if as_json:
        emit_json({"removed": credential_id})
    else:
        console().print(f"Removed {credential_id}")


@wallet.command()
@click.argument("pem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="File name in the trust folder (default: the PEM's name).")
@json_option
@click.pass_obj
def trust(options: WalletOptions, pem_file: Path, name: str | None, as_json: bool) -> None:
    """Trust a root CA for x509_hash / x509_san_dns verifiers (copied to <wallet-dir>/trust/)."""
    from cryptography import x509

    data = pem_file.read_bytes()
    if not x509.load_pem_x509_certificates(data):
        fail("no certificate in the file", 2)
    target = options.directory / TRUST_DIR
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = target / Path(name or pem_file.name).name  # never outside the trust folder
    stored.write_bytes(data)
    subjects = [c.subject.rfc4514_string() for c in x509.load_pem_x509_certificates(data)]
    if as_json:
        emit_json({"trusted": subjects, "file": str(stored)})
    else:
        console().print(f"Trusted {', '.join(subjects)}")
