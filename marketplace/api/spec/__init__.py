"""The OpenAPI document of /api/v1 by feature: each module's paths and schemas.

:mod:`marketplace.api.openapi` puts them together in one document, in this order: the catalog,
briefs (with their matches and plans), deals, delivery, tracked links, results. ``common``
holds what they all use (the error body, the answers every operation may give, ids).
"""
