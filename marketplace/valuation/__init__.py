"""Placement value estimates: the pricing engine wired into the catalog."""
