"""Decisions: may this account do this now? (shared/API.md, "Decisions"; AuthZEN's shape)."""
