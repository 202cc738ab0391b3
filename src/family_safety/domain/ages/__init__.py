"""How old an account is today, and what a birthday changes."""
