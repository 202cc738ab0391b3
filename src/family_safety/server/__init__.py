"""The running service: the app and its plugin, the CLI, the lane in front of the router,
OpenAPI and logs. Nothing imports it but its entry points."""
