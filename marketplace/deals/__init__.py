"""The deal desk's data and services: deals, offers and their rounds, agreements, the audit."""
