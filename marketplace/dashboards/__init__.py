"""The landing page and the dashboard each role lands on."""
