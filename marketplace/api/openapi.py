"""The OpenAPI 3.1 document of /api/v1, put together from each feature's part.

Each feature's paths and schemas are in its module of :mod:`marketplace.api.spec`; this module
holds the document's frame, the API's own operations (this document, ``/me``) and the order.
"""

from __future__ import annotations

from typing import Any

from marketplace.api import bodies
from marketplace.api.spec import briefs, catalog, deals, delivery, links, results
from marketplace.api.spec.common import ANY_400, COMMON, ERROR_SCHEMA, error

PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": error("bad_host or bad_parameter (a NUL character)."),
                          "503": COMMON["503"]},
        }
    },
    "/api/v1/me": {
        "get": {
            "operationId": "getMe",
            "summary": "The organisation that owns the token.",
            "responses": {
                "200": {
                    "description": "The token's organisation.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                    },
                },
                "400": error(ANY_400 + "bad_host."),
                **COMMON,
            },
        }
    },
    **catalog.paths(),
    **briefs.paths(),
    **deals.paths(),
    **delivery.paths(),
    **links.paths(),
    **results.paths(),
}  # fmt: skip


def document(server_url: str = "/") -> dict[str, Any]:
    """Return the whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kesher API",
            "version": "1",
            "description": (
                "Community-campaign marketplace. Authenticate with an organisation API token: "
                '`Authorization: Bearer ksr_…`. Errors are `{"error": {"code", "message"}}`.'
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerToken": []}],
        "paths": bodies.document_body_checks(PATHS),
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR_SCHEMA,
                **catalog.schemas(),
                **briefs.schemas(),
                **deals.schemas(),
                **links.schemas(),
                **results.schemas(),
                "Me": {
                    "type": "object",
                    "required": ["organisation", "token"],
                    "properties": {
                        "organisation": {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                        },
                        "token": {
                            "type": "object",
                            "required": ["name", "prefix"],
                            "properties": {
                                "name": {"type": "string"},
                                "prefix": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    }
