"""The lifecycle every request a teen makes of its guardians shares (time requests, setting
requests): asking, one decision that stands, the lists, the audit entries and the notices."""
