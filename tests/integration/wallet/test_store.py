"""The encrypted local store: AES-GCM under scrypt(passphrase) or a key file; tampering caught."""

import json
import os
from pathlib import Path

import pytest

from sceau.core.errors import SceauError
from sceau.wallet import KeyMaterial, StoredCredential, WalletLocked, WalletStore, passphrase_key
from sceau.wallet.store import STORE_FILE


def _credential(store: WalletStore) -> StoredCredential:
    key = store.new_key()
    return StoredCredential(
        id="c1",
        format="dc+sd-jwt",
        credential="eyJ.secret-licence-QC-2026-0042~",
        key_id=store.key_id(key),
        issuer="https://issuer.example.gc.ca/t/peches",
        configuration_id="fishing",
        received_at=1,
        claims={"licence_number": "QC-2026-0042"},
    )


def test_passphrase_store_round_trips_and_hides_everything(tmp_path: Path) -> None:
    store = WalletStore.open(tmp_path, passphrase_key("pw", scrypt_n=2**10))
    store.add(_credential(store))
    store.save()
    raw = (tmp_path / STORE_FILE).read_bytes()
    assert b"QC-2026-0042" not in raw and b"PRIVATE" not in raw and b"fishing" not in raw
    envelope = json.loads(raw)
    assert envelope["kdf"] == "scrypt" and envelope["n"] == 2**10
    assert (tmp_path / STORE_FILE).stat().st_mode & 0o077 == 0  # owner only
    again = WalletStore.open(tmp_path, passphrase_key("pw", scrypt_n=2**10))
    [c] = again.credentials
    assert c.claims == {"licence_number": "QC-2026-0042"}
    # The holder key survives and still signs as the same key.
    assert again.key_id(again.signer(c.key_id)) == c.key_id


def test_tampered_ciphertext_is_refused(tmp_path: Path) -> None:
    store = WalletStore.open(tmp_path, passphrase_key("pw", scrypt_n=2**10))
    store.add(_credential(store))
    store.save()
    path = tmp_path / STORE_FILE
    envelope = json.loads(path.read_bytes())
    text = envelope["ciphertext"]
    envelope["ciphertext"] = ("A" if text[0] != "A" else "B") + text[1:]
    path.write_text(json.dumps(envelope))
    with pytest.raises(WalletLocked):
        WalletStore.open(tmp_path, passphrase_key("pw", scrypt_n=2**10))


def test_key_file_store_needs_the_same_32_bytes(tmp_path: Path) -> None:
    key = os.urandom(32)
    store = WalletStore.open(tmp_path, KeyMaterial(key_file_bytes=key))
    store.new_key()
    store.save()
    assert json.loads((tmp_path / STORE_FILE).read_bytes())["kdf"] == "keyfile"
    with pytest.raises(WalletLocked):
        WalletStore.open(tmp_path, KeyMaterial(key_file_bytes=os.urandom(32)))
    # A passphrase does not open a key-file wallet (the envelope says how it was sealed).
    with pytest.raises(WalletLocked):
        WalletStore.open(tmp_path, passphrase_key("pw", scrypt_n=2**10))
    with pytest.raises(SceauError) as short:
        WalletStore.open(tmp_path / "new", KeyMaterial(key_file_bytes=b"short")).save()
    assert short.value.code == "bad_key_file"


def test_unknown_holder_key_is_an_error_not_none(tmp_path: Path) -> None:
    store = WalletStore.open(tmp_path, passphrase_key("pw", scrypt_n=2**10))
    with pytest.raises(SceauError) as missing:
        store.signer("no-such-thumbprint")
    assert missing.value.code == "unknown_key"
