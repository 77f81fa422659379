"""Campaign delivery tracking and results: pure Python and pandas only."""
