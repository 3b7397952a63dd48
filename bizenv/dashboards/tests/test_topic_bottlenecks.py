import pytest

from bizenv.datasets.models import StepStatistic
from bizenv.indicators.services import indicator_systems_load_shipped
from bizenv.organisations.services import department_upsert
from tests.conftest import make_world

pytestmark = pytest.mark.django_db


def _load_systems():
    import yaml

    from bizenv.demo.regions import DEPARTMENTS_FILE

    for item in yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8")):
        department_upsert(actor=None, code=item["code"], name=item["name"], kind=item.get("kind", "bureau"))
    indicator_systems_load_shipped(actor=None)


def test_topic_page_shows_the_slowest_step_and_county_within_the_users_regions():
    world = make_world()
    _load_systems()
    for region, mean in ((world.county_a, 0.6), (world.county_b, 2.4)):
        StepStatistic.objects.create(process="business_registrations", region=region, period="2026-10",
                                     step_no=1, step_name="设立登记", cases=100, mean_days=mean, p90_days=mean * 2,
                                     share_over_limit=0.1)

    office = world.client("office").get("/topics/starting_business/").content.decode()
    county = world.client("county").get("/topics/starting_business/").content.decode()

    assert "瓶颈环节" in office and "2026-10" in office
    assert "北山县（2.40）" in office  # the slowest county for the step
    assert "北山县" not in county and "东城区" in county
