"""What happens in a campaign, as pure rules: the brief, matching and media planning so far.

Negotiation, creative approval, delivery and results join them here (docs/architecture.md).
Pure Python with numpy, pandas and scipy: no Flask, no SQLAlchemy, no `marketplace` import
(tests/unit/test_architecture.py); money comes from `pricing/`.
"""
