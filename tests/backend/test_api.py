"""The open data API: public fields only, a cursor to page through, an OpenAPI description
that says exactly what the endpoints return."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.needs import services as needs
from tests.factories import make_partner, make_project, make_territory, make_theme, make_user

pytestmark = pytest.mark.django_db

ENDPOINTS = ("projects", "needs", "partners", "themes")


@pytest.fixture
def territory_data():
    owner = make_user("Awa")
    moderator = make_user("Louise", moderator=True)
    solidarity = make_theme("Solidarité")
    projects = [make_project(owner, title=f"Projet {n}") for n in range(5)]
    need = needs.publish_need(
        actor=moderator,
        territory=make_territory(),
        title="Des lieux pour se rencontrer",
        description="Un café des habitants.",
        themes=[solidarity],
    )
    make_partner("France Active", steps=("financement", "garantie"), themes=[solidarity])
    return owner, projects, need


def test_each_endpoint_returns_public_fields_only(client, territory_data):
    owner, projects, need = territory_data
    data = client.get("/api/projects/").json()
    assert [p["title"] for p in data["results"]] == [f"Projet {n}" for n in range(5)]
    first = data["results"][0]
    assert set(first) == {
        "id", "slug", "title", "summary", "description", "stage", "neighbourhood", "themes",
        "needs", "links", "url", "created_at",
    }  # fmt: skip
    assert first["url"] == f"http://testserver{projects[0].get_absolute_url()}"
    text = client.get("/api/projects/").content.decode()
    for private in (owner.email, "password", "owner"):
        assert private not in text
    need_json = client.get("/api/needs/").json()["results"][0]
    assert need_json["themes"] == ["solidarite"] and need_json["status"] == "open"
    partner = client.get("/api/partners/").json()["results"][0]
    assert [o["step"] for o in partner["offers"]] == ["financement", "garantie"]
    assert "managers" not in partner
    assert client.get("/api/themes/").json()["results"][0]["name"] == "Solidarité"


def test_paging_with_the_cursor_visits_everything_once(client, territory_data):
    seen, url = [], "/api/projects/?limit=2"
    while url:
        page = client.get(url).json()
        seen += [p["id"] for p in page["results"]]
        url = page["next"]
    assert len(seen) == 5 == len(set(seen)) and seen == sorted(seen)


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x", "after=-1", "after=y"])
def test_bad_parameters_get_a_clear_400(client, query):
    response = client.get(f"/api/projects/?{query}")
    assert response.status_code == 400 and "error" in response.json()


def test_the_api_reads_but_never_writes(client):
    assert client.post("/api/projects/", {}).status_code in (403, 405)
    assert client.get("/api/nothing/").status_code == 404


def test_query_counts_do_not_grow_with_the_page(client, territory_data):
    for endpoint in ENDPOINTS:
        with CaptureQueriesContext(connection) as few:
            client.get(f"/api/{endpoint}/?limit=1")
        with CaptureQueriesContext(connection) as many:
            client.get(f"/api/{endpoint}/?limit=200")
        assert len(many) == len(few) <= 4, endpoint


def test_the_openapi_document_describes_what_the_endpoints_return(client, territory_data):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {f"/api/{name}/" for name in ENDPOINTS}
    for name in ENDPOINTS:
        schema = document["components"]["schemas"][name]
        result = client.get(f"/api/{name}/").json()["results"][0]
        assert set(schema["properties"]) == set(result) == set(schema["required"])
        for field, value in result.items():
            expected = schema["properties"][field]["type"]
            python = {"integer": int, "string": str, "array": list, "object": dict}[expected]
            assert (value is None and schema["properties"][field].get("nullable")) or isinstance(
                value, python
            ), (name, field)
