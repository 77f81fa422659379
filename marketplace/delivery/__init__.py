"""Delivery: the running campaign, its posts, their proofs and the monitor that chases them."""
