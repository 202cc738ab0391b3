"""The service's front door, ``GET /``: people are sent to the Family Center, programs get an
index of where things are."""
