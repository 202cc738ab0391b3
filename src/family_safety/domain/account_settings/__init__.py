"""Effective settings: the policy, the holder's own choices, and what bounds them."""
