"""The OpenAPI document itself: one component per schema class, formats that say what is served."""

import json
import re
import typing
from collections import defaultdict
from typing import Any

import pydantic
import pytest
from django.test import Client

from config.api import api
from tests.factories import OrganisationFactory


def _schema_classes(annotation: Any, found: dict[type[pydantic.BaseModel], None]) -> None:
    """Every pydantic model reachable from a field's annotation (through lists, unions, nested fields)."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation in found:
            return
        found[annotation] = None
        for field in annotation.model_fields.values():
            _schema_classes(field.annotation, found)
    for argument in typing.get_args(annotation):
        _schema_classes(argument, found)


def test_no_two_schema_classes_share_a_component_name() -> None:
    """Ninja files each operation's models under `#/components/schemas/<class name>` and silently lets a
    later class of the same name overwrite an earlier one: the operations of the first are then described
    with the second's fields."""
    found: dict[type[pydantic.BaseModel], None] = {}
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                # Ninja's wrappers (the response per status, the parameters per kind) are not components
                # themselves: their fields' models are.
                wrappers = [*operation.response_models.values(), *operation.models]
                for wrapper in wrappers:
                    for field in getattr(wrapper, "model_fields", {}).values():
                        _schema_classes(field.annotation, found)
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in found:
        by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert len(found) > 30  # the walk did reach the API's schemas
    assert {name: sorted(classes) for name, classes in by_name.items() if len(classes) > 1} == {}


def _document() -> dict[str, Any]:
    """The document as served (JSON: status codes are strings)."""
    document: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    return document


def test_the_cabinet_directions_are_described_with_their_own_fields() -> None:
    document = _document()
    ok = document["paths"]["/api/v1/cabinet/directions/{number}/extend"]["post"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    described = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    expected = {"verification_code", "latest_valid_until", "group", "organisation"}
    assert expected <= described["properties"].keys()


def _formats(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["format"]} if isinstance(node.get("format"), str) else set()
        return own.union(*(_formats(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_formats(value) for value in node))
    return set()


@pytest.mark.django_db
def test_opening_hours_are_declared_as_what_is_served(client: Client) -> None:
    """`format: time` is RFC 3339 full-time, which requires an offset ("07:30:00+05:00"); opening hours
    are the kindergarten's wall-clock times, served "07:30:00": a pattern says so, no `time` format."""
    document = _document()
    assert "time" not in _formats(document)
    declared = document["components"]["schemas"]["OrganisationDetailOut"]["properties"]["opens_at"]
    organisation = OrganisationFactory.create()
    served = client.get(f"/api/v1/organisations/{organisation.pk}").json()
    for field in ("opens_at", "closes_at"):
        assert re.fullmatch(declared["pattern"], served[field]), served[field]
    assert served["opens_at"] == "07:00:00"


def _can_be_invalid(parameter: dict[str, Any]) -> bool:
    """Anything but a free string has values that do not validate."""
    schema = parameter["schema"]
    return schema.get("type") != "string" or bool({"pattern", "maxLength", "format"} & schema.keys())


def test_every_operation_with_a_checked_path_parameter_declares_its_422() -> None:
    """A path parameter of the wrong type (`/cabinet/questionnaires/abc`) is answered 422 once the
    request has passed the authentication: the document must say so."""
    undeclared = [
        f"{method.upper()} {path}"
        for path, operations in _document()["paths"].items()
        for method, operation in operations.items()
        if any(p["in"] == "path" and _can_be_invalid(p) for p in operation.get("parameters", []))
        and "422" not in operation["responses"]
    ]
    assert undeclared == []
