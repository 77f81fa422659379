"""The JSON API under /api/v1, authenticated by organisation API tokens."""
