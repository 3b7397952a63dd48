import pytest

from bizenv.indicators.parsing import parse_yaml
from bizenv.indicators.tests.conftest import FIXTURES, SYSTEMS_DIR
from bizenv.indicators.weights import composite_weights, describe_conditions, effective_weights


def _spec(name):
    return parse_yaml((FIXTURES / name).read_bytes()).spec


def test_siblings_are_normalised_and_optional_left_out():
    weights = effective_weights(_spec("small.yaml"), {"has_pipeline_gas": True})

    assert weights["power"] == pytest.approx(0.7)
    assert weights["gas"] == pytest.approx(0.3)
    assert weights["power.time"] == pytest.approx(1 / 3)
    assert weights["power.cost"] == pytest.approx(2 / 3)
    assert "trade" not in weights and "trade.satisfaction" not in weights


def test_variant_replaces_weight_and_zero_drops_the_subtree():
    weights = effective_weights(_spec("small.yaml"), {"has_pipeline_gas": False})

    assert weights["power"] == pytest.approx(1.0)
    assert "gas" not in weights and "gas.time" not in weights


def test_optional_indicator_included_on_request():
    weights = effective_weights(_spec("small.yaml"), {}, include_optional=["trade"])

    assert weights["trade"] == pytest.approx(5 / 15)


def test_composite_weights_multiply_along_the_path():
    shares = composite_weights(_spec("small.yaml"), {})

    assert shares["power.cost"] == pytest.approx(0.7 * 2 / 3)
    leaves = [c for c in ("power.time", "power.cost", "gas.time") if c in shares]
    assert sum(shares[c] for c in leaves) == pytest.approx(1.0)


def test_conditions_are_described_in_chinese():
    assert describe_conditions({"has_pipeline_gas": False}) == "不具备管道供气条件的地区"
    assert describe_conditions({"level": "county"}) == "层级为县的地区"


@pytest.mark.skipif(not (SYSTEMS_DIR / "default.yaml").exists(), reason="default.yaml not shipped yet")
def test_default_system_level1_sums_to_100_percent_with_and_without_gas():
    spec = parse_yaml((SYSTEMS_DIR / "default.yaml").read_bytes()).spec
    codes = {node.code for node in spec.indicators}

    normal = effective_weights(spec, {"has_pipeline_gas": True})
    no_gas = effective_weights(spec, {"has_pipeline_gas": False})

    assert sum(normal[c] for c in codes if c in normal) == pytest.approx(1.0)
    assert sum(no_gas[c] for c in codes if c in no_gas) == pytest.approx(1.0)
    assert "getting_gas" in normal and "getting_gas" not in no_gas
    raw = {node.code: node.weight for node in spec.indicators if not node.optional}
    total = sum(raw.values())
    assert normal["getting_electricity"] == pytest.approx(raw["getting_electricity"] / total)
    no_gas_total = total - raw["getting_gas"] - raw["getting_electricity"] - raw["getting_water"] + 7 + 7
    assert no_gas["getting_electricity"] == pytest.approx(7 / no_gas_total)
    assert no_gas["getting_water"] == pytest.approx(7 / no_gas_total)
