"""Sign-in, refresh-token families, and the bearer authentication of every other request."""
