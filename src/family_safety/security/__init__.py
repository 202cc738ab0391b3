"""Passwords and signing keys."""
