"""Family pairing: invitations, the teen's consent, links and how they end."""
