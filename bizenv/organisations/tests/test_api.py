import pytest

from bizenv.organisations.models import Region

pytestmark = pytest.mark.django_db


def test_regions_are_listed_within_the_grants(demo, client_for):
    county = client_for("county").get("/api/v1/organisations/regions").json()
    assert [r["code"] for r in county] == ["990102"]
    office = client_for("office").get("/api/v1/organisations/regions").json()
    assert len(office) == Region.objects.get(code="990100").children.count() + 1
    city = office[0]
    assert city["code"] == "990100" and city["level_label"] == "市" and city["has_map"] is True
    yunling = next(r for r in office if r["name"] == "云岭县")
    assert yunling["has_pipeline_gas"] is False and yunling["parent_code"] == "990100"
    assert yunling["attributes"] == {"terrain": "山区"} and isinstance(yunling["gdp"], float)


def test_the_region_tree_nests_children(demo, client_for):
    tree = client_for("sysadmin").get("/api/v1/organisations/regions/tree").json()
    assert [r["code"] for r in tree] == ["990000"]
    city = tree[0]["children"][0]
    assert city["code"] == "990100" and len(city["children"]) >= 12
    assert [c["sort_order"] for c in city["children"]] == sorted(c["sort_order"] for c in city["children"])


def test_a_region_outside_the_grants_is_not_found(demo, client_for):
    response = client_for("county").get("/api/v1/organisations/regions/990100")
    assert response.status_code == 404
    assert "不在您的授权范围内" in response.json()["detail"]
    detail = client_for("leader").get("/api/v1/organisations/regions/990100").json()
    assert [a["code"] for a in detail["ancestors"]] == []  # the leader's grant starts at the city
    assert len(detail["children"]) >= 12
    assert any(d["code"] == "samr" and d["name"] == "市市场监管局" for d in detail["departments"])


def test_departments_and_the_administrators_without_region_rights(demo, client_for):
    departments = client_for("dept").get("/api/v1/organisations/departments").json()
    assert {
        "code": "samr",
        "name": "市市场监管局",
        "kind": "bureau",
        "kind_label": "政府部门",
        "region_code": "990100",
        "sort_order": 20,
    } in departments
    assert client_for("auditor").get("/api/v1/organisations/departments").status_code == 403
    assert client_for("secadmin").get("/api/v1/organisations/regions").status_code == 403
