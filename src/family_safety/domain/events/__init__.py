"""Live changes for devices: `GET /v1/me/events`, server-sent events fed by the change bus."""
