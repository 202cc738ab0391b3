"""Setting requests: a teen asks its guardians for a value looser than a ``needs_guardian``
bound; the first decision stands, and an approval can be withdrawn."""
