"""The OpenAPI 3.1 document of /api/v1; each feature adds its paths here."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable code."},
                "message": {"type": "string", "description": "Human-readable, localised."},
            },
        }
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document."}},
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
                "401": _error("Missing, unknown or revoked token."),
            },
        }
    },
}


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
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR_SCHEMA,
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
