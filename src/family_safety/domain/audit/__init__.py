"""The audit trail: every change to an account's settings, limits and links, hash-chained."""
