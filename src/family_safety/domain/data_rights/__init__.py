"""Data rights: a copy of everything held about an account, and its erasure."""
