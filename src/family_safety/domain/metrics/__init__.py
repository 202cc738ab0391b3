"""``GET /metrics``: the service's numbers for Prometheus, to the allowed addresses only."""
