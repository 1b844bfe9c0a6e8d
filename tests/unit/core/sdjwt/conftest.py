import pytest

from sceau.core.jose import SoftwareSigner, generate_private_key


@pytest.fixture(scope="session")
def issuer() -> SoftwareSigner:
    return SoftwareSigner(generate_private_key("ES256"), key_id="issuer-1")


@pytest.fixture(scope="session")
def holder() -> SoftwareSigner:
    return SoftwareSigner(generate_private_key("ES256"))
