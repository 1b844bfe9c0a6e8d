"""Verification: verifier configuration and trust policy, the verification engine shared by
OpenID4VP and the VC API, status-list fetching and caching, and the VC API verify routes.

The service is ``app.state["verification"]`` (DI dependency ``verification``)::

    config, engine = await verification.engine_for("acme")
    verified = await engine.verify_sd_jwt_vc(token, audience=config.client_id, nonce=nonce)
"""
