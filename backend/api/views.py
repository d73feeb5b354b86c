"""The open data API: read-only JSON, public fields only, paginated by a cursor on the id.

Each endpoint is one resource described once (`RESOURCES`): its queryset, its public fields
and their OpenAPI types. The OpenAPI document at /api/openapi.json is built from the same
descriptions, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from backend.needs.models import Answer, Need
from backend.partners.models import Offer, Partner
from backend.projects.models import Project, Stage
from backend.territories.models import Theme

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Resource:
    name: str
    summary: str
    queryset: Callable[[], QuerySet]
    fields: dict[str, dict]  # field → OpenAPI schema
    to_json: Callable[[Any, Any], dict]  # (object, request) → public fields


def _url(request, obj) -> str:
    return request.build_absolute_uri(obj.get_absolute_url())


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
URL = {"type": "string", "format": "uri"}
DATETIME = {"type": "string", "format": "date-time"}
SLUGS = {"type": "array", "items": {"type": "string"}}


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


RESOURCES = {
    "projects": Resource(
        name="projects",
        summary="Les projets du territoire",
        queryset=lambda: (
            Project.objects.select_related("neighbourhood")
            .prefetch_related(
                "themes", Prefetch("need_answers", queryset=Answer.objects.select_related("need"))
            )
            .order_by("id")
        ),
        fields={
            "id": INTEGER,
            "slug": STRING,
            "title": STRING,
            "summary": STRING,
            "description": STRING,
            "stage": {"type": "string", "enum": list(Stage.values)},
            "neighbourhood": {"type": "string", "nullable": True},
            "themes": SLUGS,
            "needs": SLUGS,
            "links": {"type": "array", "items": URL},
            "url": URL,
            "created_at": DATETIME,
        },
        to_json=lambda p, request: {
            "id": p.pk,
            "slug": p.slug,
            "title": p.title,
            "summary": p.summary,
            "description": p.description,
            "stage": p.stage,
            "neighbourhood": p.neighbourhood.name if p.neighbourhood else None,
            "themes": [t.slug for t in p.themes.all()],
            "needs": [a.need.slug for a in p.need_answers.all()],
            "links": [link["url"] for link in p.links],
            "url": _url(request, p),
            "created_at": _iso(p.created_at),
        },
    ),
    "needs": Resource(
        name="needs",
        summary="Les besoins publiés par la Ville",
        queryset=lambda: (
            Need.objects.select_related("neighbourhood")
            .prefetch_related("themes", "projects")
            .order_by("id")
        ),
        fields={
            "id": INTEGER,
            "slug": STRING,
            "title": STRING,
            "description": STRING,
            "status": {"type": "string", "enum": list(Need.Status.values)},
            "neighbourhood": {"type": "string", "nullable": True},
            "themes": SLUGS,
            "projects": SLUGS,
            "url": URL,
            "created_at": DATETIME,
        },
        to_json=lambda n, request: {
            "id": n.pk,
            "slug": n.slug,
            "title": n.title,
            "description": n.description,
            "status": n.status,
            "neighbourhood": n.neighbourhood.name if n.neighbourhood else None,
            "themes": [t.slug for t in n.themes.all()],
            "projects": [p.slug for p in n.projects.all()],
            "url": _url(request, n),
            "created_at": _iso(n.created_at),
        },
    ),
    "partners": Resource(
        name="partners",
        summary="Les partenaires et ce qu'ils proposent à chaque étape",
        queryset=lambda: Partner.objects.prefetch_related(
            Prefetch("offers", queryset=Offer.objects.order_by("step")), "themes"
        ).order_by("id"),
        fields={
            "id": INTEGER,
            "slug": STRING,
            "name": STRING,
            "summary": STRING,
            "website": STRING,
            "offers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"step": STRING, "description": STRING},
                },
            },
            "themes": SLUGS,
            "url": URL,
        },
        to_json=lambda p, request: {
            "id": p.pk,
            "slug": p.slug,
            "name": p.name,
            "summary": p.summary,
            "website": p.website,
            "offers": [{"step": o.step, "description": o.description} for o in p.offers.all()],
            "themes": [t.slug for t in p.themes.all()],
            "url": _url(request, p),
        },
    ),
    "themes": Resource(
        name="themes",
        summary="Les thématiques",
        queryset=lambda: Theme.objects.order_by("id"),
        fields={"id": INTEGER, "slug": STRING, "name": STRING, "description": STRING, "url": URL},
        to_json=lambda t, request: {
            "id": t.pk,
            "slug": t.slug,
            "name": t.name,
            "description": t.description,
            "url": _url(request, t),
        },
    ),
}


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@require_GET
def collection(request, resource: str):
    described = RESOURCES[resource]
    try:
        after = int(request.GET.get("after", 0))
        size = int(request.GET.get("limit", PAGE_SIZE))
    except ValueError:
        return _bad_request("after and limit must be integers")
    if after < 0 or not 1 <= size <= MAX_PAGE_SIZE:
        return _bad_request(f"after must be >= 0 and limit between 1 and {MAX_PAGE_SIZE}")
    rows = list(described.queryset().filter(pk__gt=after)[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    next_url = None
    if more:
        path = reverse(f"api:{resource}")
        next_url = request.build_absolute_uri(f"{path}?after={rows[-1].pk}&limit={size}")
    response = JsonResponse(
        {"results": [described.to_json(row, request) for row in rows], "next": next_url},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@require_GET
def openapi(request):
    paths = {}
    for name, described in RESOURCES.items():
        paths[f"/api/{name}/"] = {
            "get": {
                "summary": described.summary,
                "operationId": f"list_{name}",
                "parameters": [
                    {
                        "name": "after",
                        "in": "query",
                        "description": "Return the items whose id is greater (from `next`).",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PAGE_SIZE,
                            "default": PAGE_SIZE,
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One page of results",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["results", "next"],
                                    "properties": {
                                        "results": {
                                            "type": "array",
                                            "items": {"$ref": f"#/components/schemas/{name}"},
                                        },
                                        "next": {"type": "string", "nullable": True},
                                    },
                                }
                            }
                        },
                    },
                    "400": {"description": "Bad parameters"},
                },
            }
        }
    schemas = {
        name: {
            "type": "object",
            "required": list(described.fields),
            "properties": described.fields,
        }
        for name, described in RESOURCES.items()
    }
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "Faire ensemble — open data",
            "version": "1",
            "description": "Public data of the territory: projects, needs, partners, themes.",
        },
        "servers": [{"url": request.build_absolute_uri("/")[:-1]}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
