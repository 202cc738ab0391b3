"""The guardian-teen link: its queries, its view, a guardian's access to a teen, how it ends."""
