"""Per-tenant signing keys: lifecycle, encryption at rest, JWKS and did:web publication.

The service (:class:`~sceau.keys.service.KeyStoreService`, the DI dependency ``keys``) implements
the :class:`~sceau.keys.ports.KeyStore` port that issuance calls::

    signer = await keys.get_signer("acme")  # the active ES256 key's sceau.core.jose.Signer
    jwks = await keys.public_jwks("acme")  # active + retired public JWKs
    public_key = await keys.verification_key("acme", kid)

Key material lives behind a :class:`~sceau.keys.ports.KeyBackend`; the software backend
(:mod:`sceau.keys.software`) seals private keys with AES-256-GCM under the KEK. PKCS#11 or KMS
backends plug in through the same port.
"""
