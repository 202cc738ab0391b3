"""Guardian limits, and the guardian-only views of a linked teen."""
