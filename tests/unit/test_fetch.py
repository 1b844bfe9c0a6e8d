"""The outbound HTTP client's SSRF guard, limits and redirects, against a real local server."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sceau.core.errors import InputTooLarge
from sceau.fetch import FetchError, FetchPolicy, SafeFetcher, check_url

pytestmark = pytest.mark.anyio


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/redirect/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/redirect/{n - 1}" if n > 1 else "/ok")
            self.end_headers()
            return
        if self.path == "/redirect-out":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/ok")
            self.end_headers()
            return
        if self.path == "/big":
            body = b"x" * 5000
        elif self.path == "/slow":
            import time

            time.sleep(1.0)
            body = b"late"
        else:
            body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (deadline test)
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


DEV = FetchPolicy(allow_insecure=True)


async def test_http_is_refused_by_default() -> None:
    with pytest.raises(FetchError) as exc:
        await SafeFetcher().get("http://example.org/list")
    assert exc.value.code == "fetch_scheme_not_allowed"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        # IPv6 forms that carry an IPv4 host (SECURITY D-01): NAT64, 6to4, compatible, Teredo.
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a00:5",
        "2002:7f00:1::1",
        "2002:a00:5::1",
        "::127.0.0.1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ],
)
async def test_names_resolving_to_non_global_addresses_are_refused(address: str) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return [address]

    fetcher = SafeFetcher(resolver=resolve)
    with pytest.raises(FetchError) as exc:
        await fetcher.get("https://status.issuer.example/list")
    assert exc.value.code == "fetch_address_not_allowed"
    assert fetcher.calls == 0  # refused before any connection


async def test_a_name_with_one_internal_address_among_public_ones_is_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.1.2.3"]

    with pytest.raises(FetchError):
        await SafeFetcher(resolver=resolve).get("https://status.issuer.example/list")


async def test_literal_private_ip_urls_are_refused() -> None:
    with pytest.raises(FetchError) as exc:
        await SafeFetcher().get("https://10.0.0.1/list")
    assert exc.value.code == "fetch_address_not_allowed"


def test_urls_with_credentials_are_refused() -> None:
    with pytest.raises(FetchError):
        check_url("https://user:pw@issuer.example/x", FetchPolicy())


async def test_dev_policy_fetches_from_loopback(server: str) -> None:
    response = await SafeFetcher(DEV).get(server + "/ok")
    assert response.status == 200 and response.content == b"hello"


async def test_up_to_three_redirects_are_followed(server: str) -> None:
    fetcher = SafeFetcher(DEV)
    response = await fetcher.get(server + "/redirect/3")
    assert response.content == b"hello" and fetcher.calls == 4


async def test_a_fourth_redirect_is_refused(server: str) -> None:
    with pytest.raises(FetchError) as exc:
        await SafeFetcher(DEV).get(server + "/redirect/4")
    assert exc.value.code == "fetch_too_many_redirects"


async def test_redirect_targets_are_revalidated(server: str) -> None:
    # The redirect's target is checked like the first URL: here its port is not allowed.
    port = int(server.rsplit(":", 1)[1])
    fetcher = SafeFetcher(FetchPolicy(allow_insecure=True, allowed_ports=frozenset({port})))
    with pytest.raises(FetchError) as exc:
        await fetcher.get(server + "/redirect-out")
    assert exc.value.code == "fetch_url_not_allowed" and fetcher.calls == 1


async def test_bodies_over_the_cap_are_refused(server: str) -> None:
    with pytest.raises(InputTooLarge):
        await SafeFetcher(FetchPolicy(allow_insecure=True, max_bytes=1000)).get(server + "/big")


async def test_the_total_deadline_is_enforced(server: str) -> None:
    with pytest.raises(FetchError) as exc:
        await SafeFetcher(FetchPolicy(allow_insecure=True, timeout_s=0.2)).get(server + "/slow")
    assert exc.value.code == "fetch_timeout"


def test_ipv6_forms_of_public_ipv4_hosts_stay_allowed() -> None:
    from sceau.fetch import FetchPolicy, _address_allowed

    policy = FetchPolicy()
    for address in ("64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111", "8.8.8.8"):
        assert _address_allowed(address, policy), address


def test_the_default_deadline_is_five_seconds() -> None:
    from sceau.fetch import FetchPolicy

    assert FetchPolicy().timeout_s == 5.0
