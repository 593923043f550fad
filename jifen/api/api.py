"""The partner banks' API, version 1: /api/v1/ (its OpenAPI document: /api/v1/openapi.json)."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="jifen bank API", version="1", urls_namespace="api_v1", docs_url=None)
