"""OpenID4VP 1.0 verifier: presentation requests (DCQL → signed request object at
``request_uri``), the response endpoint (``direct_post`` and ``direct_post.jwt``) and results.

The service is ``app.state["presentations"]`` (DI dependency ``presentations``); it verifies
through :mod:`sceau.verification` with the tenant's trust policy.
"""
