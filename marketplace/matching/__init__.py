"""Matching a brief to the catalog and planning its media: the web side of campaigns.matching
and campaigns.planning (records from the database, shortlists, plans, pages, API, CLI)."""
