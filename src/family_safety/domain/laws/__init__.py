"""Laws: the shipped laws with the statuses staff set, and their routes (``/v1/laws``)."""
