"""The OpenAPI document, and the one error shape for every failure, even unplanned ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.api.conftest import BankSetup, call

ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def document(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document).validate()


def test_the_document_lists_the_operations(document: dict[str, Any]) -> None:
    operations = {
        (method.upper(), path): spec["operationId"]
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    }
    assert operations == {
        ("GET", "/api/v1/households/{token}"): "lookupHousehold",
        ("GET", "/api/v1/households/{token}/standing"): "readStanding",
        ("GET", "/api/v1/applications"): "listApplications",
        ("GET", "/api/v1/applications/{application_id}"): "readApplication",
        ("POST", "/api/v1/applications/{application_id}/decision"): "decideApplication",
    }


def test_every_operation_needs_the_key_and_declares_every_error(
    document: dict[str, Any],
) -> None:
    assert document["components"]["securitySchemes"] == {
        "BankKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    }
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            assert spec["security"] == [{"BankKey": []}], (method, path)
            errors = {"401", "403", "404", "422", "429", "500"}
            if method == "post":
                errors |= {"400", "409"}
            assert set(spec["responses"]) == {"200"} | errors, (method, path)
            for status in errors:
                content = spec["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": ERROR_REF}, (method, path, status)
            retry_after = spec["responses"]["429"]["headers"]["Retry-After"]
            assert retry_after["required"] is True


def test_no_number_in_the_api_is_a_float(document: dict[str, Any]) -> None:
    assert not [node for node in walk(document) if node.get("type") == "number"]


def test_the_error_shape_is_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["ErrorOut"]["required"] == ["error"]
    assert schemas["ErrorBody"]["required"] == ["code", "message", "details"]
    assert "consent_required" in schemas["ErrorBody"]["properties"]["code"]["enum"]


def test_the_document_needs_no_key(db: None) -> None:
    assert Client().get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize("path", ["/", "/nothing-here", "/applications/1/approve"])
def test_an_unknown_path_answers_in_the_error_shape(bank_api: BankSetup, path: str) -> None:
    response = call("GET", path, bank_api.secret)

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "There is no such path in this API.",
            "details": [],
        }
    }


def test_a_wrong_method_answers_in_the_error_shape(bank_api: BankSetup) -> None:
    response = call("DELETE", f"/applications/{bank_api.application.pk}", bank_api.secret)

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_post_to_an_unknown_path_is_not_stopped_by_csrf(bank_api: BankSetup) -> None:
    client = Client(
        enforce_csrf_checks=True, headers={"X-API-Key": bank_api.secret, "Accept-Language": "en"}
    )

    response = client.post("/api/v1/nothing-here", data={})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_failure_inside_answers_500_in_the_error_shape(
    bank_api: BankSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the ranking table is missing")

    monkeypatch.setattr("jifen.api.views.standing_of", broken)

    response = call("GET", f"/households/{bank_api.token}/standing", bank_api.secret)

    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on our side. It has been logged.",
            "details": [],
        }
    }
    # Nothing about the failure leaks out
    assert "ranking" not in response.content.decode()


def test_messages_are_in_chinese_unless_the_bank_asks_for_english(bank_api: BankSetup) -> None:
    english = Client(headers={"Accept-Language": "en"}).get("/api/v1/applications")
    chinese = Client().get("/api/v1/applications")

    assert english.status_code == chinese.status_code == 401
    message = english.json()["error"]["message"]
    with translation.override("zh-hans"):
        assert chinese.json()["error"]["message"] == gettext(message) != message
    assert chinese["Content-Language"] == "zh-hans"
    assert "Accept-Language" in english["Vary"]
