"""Notifications: what happened to an account that it should hear about."""
