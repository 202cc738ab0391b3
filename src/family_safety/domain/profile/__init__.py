"""The holder's profile: changing display name, country and time zone (``PATCH /v1/me``)."""
