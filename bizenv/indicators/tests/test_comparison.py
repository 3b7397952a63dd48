from bizenv.indicators.comparison import DiffStatus, compare_specs
from bizenv.indicators.parsing import parse_yaml
from bizenv.indicators.tests.conftest import FIXTURES


def _spec():
    return parse_yaml((FIXTURES / "small.yaml").read_bytes()).spec


def test_identical_specs_have_no_differences():
    assert compare_specs(_spec(), _spec()).identical


def test_added_removed_and_changed_fields():
    left, right = _spec(), _spec()
    right.indicators[0].weight = 8
    right.indicators[0].children[0].lead_departments = ["tax"]
    removed = right.indicators.pop(1)  # gas
    right.indicators[0].children.append(removed.children[0])  # gas.time moves under power
    right.name = "新名称"

    result = compare_specs(left, right)
    by_code = {r.code: r for r in result.rows}

    assert by_code["gas"].status == DiffStatus.REMOVED
    assert by_code["power"].changed_fields == {"weight"}
    assert by_code["power.time"].changed_fields == {"lead_departments"}
    assert by_code["gas.time"].changed_fields == {"parent"}
    assert by_code["trade"].status == DiffStatus.SAME
    assert [c.label for c in result.system_changes] == ["名称"]
    assert [r.code for r in result.rows].index("gas") == [r.code for r in result.rows].index("power.cost") + 1


def test_added_indicator():
    left, right = _spec(), _spec()
    left.indicators.pop()

    result = compare_specs(left, right)

    assert [r.code for r in result.added] == ["trade", "trade.satisfaction"]
