"""Pairing invitations: a guardian invites, the teen previews and consents."""
