"""Media-value estimation for community placements: pure Python, numpy and pandas only."""
