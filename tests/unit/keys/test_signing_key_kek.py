"""The KEK seals private keys with AES-256-GCM bound to (tenant, kid); failures are named."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sceau.core.encoding import b64url_encode
from sceau.keys.errors import KeyEncryptionKeyError, KeyEncryptionKeyMismatch, SealedKeyInvalid
from sceau.keys.kek import DEV_KEK_FILE, KeyEncryptionKey, load_kek, new_kek_text, parse_kek
from sceau.keys.software import SoftwareKeyBackend
from sceau.settings import load_settings

SECRET = b"\x30\x81private-key-bytes" * 4


def _kek() -> KeyEncryptionKey:
    return parse_kek(new_kek_text())


def test_sealed_key_opens_with_same_kek_tenant_and_kid() -> None:
    kek = _kek()
    sealed = kek.seal(SECRET, tenant_slug="acme", kid="k1")
    assert SECRET not in sealed
    assert kek.open(sealed, kek_id=kek.kek_id, tenant_slug="acme", kid="k1") == SECRET


def test_each_seal_uses_a_fresh_nonce() -> None:
    kek = _kek()
    assert kek.seal(SECRET, tenant_slug="a", kid="k") != kek.seal(SECRET, tenant_slug="a", kid="k")


def test_wrong_kek_is_named_kek_mismatch_not_garbage() -> None:
    sealed = _kek().seal(SECRET, tenant_slug="acme", kid="k1")
    other = _kek()
    with pytest.raises(KeyEncryptionKeyMismatch) as info:
        other.open(sealed, kek_id=_kek().kek_id, tenant_slug="acme", kid="k1")
    assert info.value.code == "kek_mismatch"


def test_wrong_kek_with_forged_kek_id_still_fails_authentication() -> None:
    sealed = _kek().seal(SECRET, tenant_slug="acme", kid="k1")
    other = _kek()
    with pytest.raises(SealedKeyInvalid):
        other.open(sealed, kek_id=other.kek_id, tenant_slug="acme", kid="k1")


@pytest.mark.parametrize("position", [0, 5, 12, 20, -1])
def test_tampered_ciphertext_is_refused(position: int) -> None:
    kek = _kek()
    sealed = bytearray(kek.seal(SECRET, tenant_slug="acme", kid="k1"))
    sealed[position] ^= 0x01
    with pytest.raises(SealedKeyInvalid) as info:
        kek.open(bytes(sealed), kek_id=kek.kek_id, tenant_slug="acme", kid="k1")
    assert info.value.code == "sealed_key_invalid"


@pytest.mark.parametrize(("tenant", "kid"), [("other", "k1"), ("acme", "k2")])
def test_ciphertext_moved_to_another_tenant_or_kid_is_refused(tenant: str, kid: str) -> None:
    kek = _kek()
    sealed = kek.seal(SECRET, tenant_slug="acme", kid="k1")
    with pytest.raises(SealedKeyInvalid):
        kek.open(sealed, kek_id=kek.kek_id, tenant_slug=tenant, kid=kid)


def test_truncated_ciphertext_is_refused() -> None:
    kek = _kek()
    with pytest.raises(SealedKeyInvalid):
        kek.open(b"\x00" * 20, kek_id=kek.kek_id, tenant_slug="acme", kid="k1")


@pytest.mark.parametrize("text", ["", "not base64!", b64url_encode(b"\x01" * 31), "A" * 100])
def test_malformed_kek_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(KeyEncryptionKeyError) as info:
        parse_kek(text)
    if text:
        assert text not in str(info.value)


def test_kek_with_padding_is_accepted() -> None:
    raw = os.urandom(32)
    assert parse_kek(b64url_encode(raw) + "=").kek_id == KeyEncryptionKey(raw).kek_id


def test_kek_never_appears_in_repr() -> None:
    text = new_kek_text()
    kek = parse_kek(text)
    assert text not in repr(kek) and text not in repr(SoftwareKeyBackend(kek))
    settings = load_settings({}, kek=text)
    assert text not in repr(settings)


def test_prod_without_kek_refuses_to_start(tmp_path: Path) -> None:
    settings = load_settings({}, environment="prod", data_dir=str(tmp_path))
    with pytest.raises(KeyEncryptionKeyError):
        load_kek(settings)
    assert not (tmp_path / DEV_KEK_FILE).exists()


def test_dev_kek_file_is_created_private_reused_and_announced(tmp_path: Path) -> None:
    settings = load_settings({}, environment="dev", data_dir=str(tmp_path / "data"))
    warnings: list[tuple[str, str]] = []
    first = load_kek(settings, warn=lambda m, p: warnings.append((m, p)))
    second = load_kek(settings, warn=lambda m, p: warnings.append((m, p)))
    path = tmp_path / "data" / DEV_KEK_FILE
    assert first.kek_id == second.kek_id
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(warnings) == 2 and "SCEAU_KEK" in warnings[0][0] and warnings[0][1] == str(path)


def test_configured_kek_wins_over_dev_file(tmp_path: Path) -> None:
    text = new_kek_text()
    settings = load_settings({}, environment="dev", data_dir=str(tmp_path), kek=text)
    assert load_kek(settings).kek_id == parse_kek(text).kek_id
    assert not (tmp_path / DEV_KEK_FILE).exists()
