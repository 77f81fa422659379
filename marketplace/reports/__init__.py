"""Campaign results: metrics per placement, results against the brief, pulse, the report."""
