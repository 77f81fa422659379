"""Briefs: what a brand wants from a campaign, from draft to an approved plan."""
