"""The service's capabilities, one folder each, with the same file roles."""
