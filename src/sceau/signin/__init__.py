"""Sign in with a credential: an OpenID Connect provider backed by OpenID4VP (issue 6).

The provider (discovery, PAR, authorize, token, UserInfo, logout) lives in this package; the
sign-in page (templates, GC Design System assets, CSP) in ``pages.py`` and ``templates/``. The two
meet in :mod:`sceau.signin.view`.
"""
