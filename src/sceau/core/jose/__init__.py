"""JOSE for Sceau: JWS compact (RFC 7515), JWK (RFC 7517/7638), algorithms (RFC 7518) and
JWE ECDH-ES (RFC 7516) — a small public face over private modules named after their RFCs.

>>> from sceau.core.jose import SoftwareSigner, generate_private_key, sign_compact_sync
>>> from sceau.core.jose import verify_compact
>>> signer = SoftwareSigner(generate_private_key())
>>> token = sign_compact_sync({"typ": "JWT"}, {"sub": "a"}, signer)
>>> verify_compact(token, signer.private_key.public_key()).claims
{'sub': 'a'}
"""

from sceau.core.jose._rfc7515 import (
    DEFAULT_MAX_JWS_LENGTH,
    Signer,
    SoftwareSigner,
    VerifiedJws,
    decode_compact_unverified,
    sign_compact,
    sign_compact_sync,
    signing_input,
    verify_compact,
)
from sceau.core.jose._rfc7516 import jwe_decrypt, jwe_encrypt_ecdh_es
from sceau.core.jose._rfc7517 import (
    generate_private_key,
    jwk_thumbprint,
    private_key_from_jwk,
    public_jwk,
    public_key_from_jwk,
)
from sceau.core.jose._rfc7518 import ALGORITHMS, Algorithm, get_algorithm
from sceau.core.jose._types import PrivateKey, PublicKey

__all__ = [
    "ALGORITHMS",
    "DEFAULT_MAX_JWS_LENGTH",
    "Algorithm",
    "PrivateKey",
    "PublicKey",
    "Signer",
    "SoftwareSigner",
    "VerifiedJws",
    "decode_compact_unverified",
    "generate_private_key",
    "get_algorithm",
    "jwe_decrypt",
    "jwe_encrypt_ecdh_es",
    "jwk_thumbprint",
    "private_key_from_jwk",
    "public_jwk",
    "public_key_from_jwk",
    "sign_compact",
    "sign_compact_sync",
    "signing_input",
    "verify_compact",
]
