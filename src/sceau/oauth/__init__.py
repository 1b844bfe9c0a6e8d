"""OAuth 2.0 building blocks shared by the OpenID4VCI issuer and the OIDC sign-in provider.

- :mod:`sceau.oauth.tokens`: opaque token generation and hashing (only hashes are stored).
- :mod:`sceau.oauth.pkce`: PKCE ``S256`` (RFC 7636 §4.6), the only method accepted (HAIP §4).
- :mod:`sceau.oauth.dpop`: DPoP proof verification (RFC 9449 §4.3) and the resource-request check.
- :mod:`sceau.oauth.store`: the DPoP ``jti`` replay store (one row per proof, with expiry).
- :mod:`sceau.oauth.errors`: :class:`OAuthProtocolError` (carries response headers such as
  ``WWW-Authenticate``) and the protocol router that renders it per RFC 6749 §5.2 / RFC 6750 §3.
"""
