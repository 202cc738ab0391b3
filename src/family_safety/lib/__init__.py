"""Infrastructure with no domain knowledge: configuration, the clock, text, HTTP plumbing,
problems and security primitives. Imports nothing of the service above it."""
