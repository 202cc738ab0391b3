"""What is kept and for how long: the pack's ``retention`` table, swept every hour."""
