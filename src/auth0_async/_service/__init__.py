"""The service kernel: reading, writing and rolling sessions, login, logout and tokens.

It composes the core, session persistence and the OIDC layer. It never imports
the HTTP edge or the public client above it.
"""
