"""Accounts: registration and the holder's own profile."""
