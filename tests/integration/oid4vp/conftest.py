from verification.fixtures import holder, issuer, status_server, verifier  # noqa: F401
