"""The API's documentation page: the OpenAPI schema rendered on the server.

Swagger UI and Redoc run scripts and inline styles from a CDN, which the site's policy
refuses (and the schema says all they would show): this page is plain HTML from the same
schema, so it can never disagree with it.
"""

import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator


@dataclass
class Parameter:
    name: str
    where: str
    description: str
    kind: str
    choices: list[str]
    repeatable: bool


@dataclass
class Operation:
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    returns: str


@dataclass
class Component:
    name: str
    description: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, type, description


@dataclass
class Documentation:
    title: str
    description: str
    operations: list[Operation]
    components: list[Component]


def _kind(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "allOf" in schema:
        return " ".join(_kind(part) for part in schema["allOf"])
    if schema.get("type") == "array":
        return f"list of {_kind(schema.get('items', {}))}"
    kind = schema.get("format") or schema.get("type") or "object"
    return f"{kind} or null" if schema.get("nullable") else kind


def _choices(schema: dict) -> list[str]:
    values = schema.get("enum") or schema.get("items", {}).get("enum") or []
    return [str(value) for value in values if value not in ("", None)]


@functools.cache
def api_documentation() -> Documentation:
    """The schema as the page lists it: each GET operation, then each object's fields."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        operation = methods.get("get")
        if not operation:
            continue
        response = operation.get("responses", {}).get("200", {})
        body = response.get("content", {}).get("application/json", {}).get("schema", {})
        operations.append(
            Operation(
                path=path,
                summary=operation.get("summary", ""),
                description=operation.get("description", ""),
                parameters=[
                    Parameter(
                        name=parameter["name"],
                        where=parameter["in"],
                        description=parameter.get("description", ""),
                        kind=_kind(parameter.get("schema", {})),
                        choices=_choices(parameter.get("schema", {})),
                        repeatable=parameter.get("schema", {}).get("type") == "array",
                    )
                    for parameter in operation.get("parameters", [])
                ],
                returns=_kind(body) if body else "",
            )
        )
    components = [
        Component(
            name=name,
            description=component.get("description", ""),
            fields=[
                (prop, _kind(details), details.get("description", ""))
                for prop, details in component.get("properties", {}).items()
            ],
        )
        for name, component in schema.get("components", {}).get("schemas", {}).items()
    ]
    return Documentation(
        title=schema["info"]["title"],
        description=schema["info"].get("description", ""),
        operations=operations,
        components=components,
    )


_PERIODS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def _in_words(rate: str) -> str:
    """DRF's "60/minute" (or "60/m") as "60 requests a minute"."""
    count, period = rate.split("/")
    return f"{count} requests a {_PERIODS[period[0]]}"


def documentation(request):
    context = {
        "docs": api_documentation(),
        "rate_limit": _in_words(settings.API_RATE_LIMIT),
        "base_url": request.build_absolute_uri("/"),
    }
    return render(request, "api/docs.html", context)
