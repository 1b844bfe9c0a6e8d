"""OpenID4VCI 1.0 issuer protocol: credential offers (pre-authorized code), the token endpoint
(DPoP-bound access tokens, HAIP), the nonce, credential, deferred credential and notification
endpoints. The credential itself is made by the issuance service (``sceau.issuance``).

Public surface: :class:`sceau.oid4vci.service.Oid4vciService`,
:class:`sceau.oid4vci.config.Oid4vciConfig`, routes in :mod:`sceau.oid4vci.routes` (``ROUTES``).
"""
