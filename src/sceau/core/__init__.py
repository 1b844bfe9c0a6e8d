"""The credential-format core: pure functions, no I/O, no framework, no database.

Time and randomness are injected by callers so that tests and spec vectors are deterministic.
Nothing here imports from the rest of :mod:`sceau`.
"""
