"""``sceau demo`` runs the whole loop on a real local platform; exit 0 on the expected outcome."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_sceau_demo_issues_presents_revokes_and_exits_zero(lang: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCEAU_")}
    done = subprocess.run(
        [sys.executable, "-c", "from sceau.cli import main; main()", "demo", "--lang", lang],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    if lang == "en":
        assert "Verifier result: VERIFIED" in out
        assert "Verifier result: REJECTED" in out and "Reasons: revoked" in out
        assert "licence_number: QC-2026-0042" in out
        assert "family_name" not in out  # the query did not ask for it: never disclosed
        # HAIP's client identifier prefix, checked by the wallet (chain, leaf hash, signature).
        assert "Verifier: x509_hash client 'x509_hash:" in out
        assert "checked (x509_hash)" in out
    else:
        assert "Résultat du vérificateur : VÉRIFIÉ" in out
        assert "Résultat du vérificateur : REFUSÉ" in out and "Motifs : revoked" in out
        assert "Démonstration terminée" in out
