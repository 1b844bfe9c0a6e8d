"""The HTTP edge: app factory, auth guards, problem+json + i18n, security headers, logs, metrics."""
