"""OAuth 2.0 endpoints under ``/services/oauth2/``."""
