

def test_the_indicator_fields_are_declared_once_for_files_editing_and_comparison():
    from dataclasses import fields

    from bizenv.indicators.comparison import COMPARED_FIELDS, COMPARED_LABELS
    from bizenv.indicators.parsing import INDICATOR_FIELDS
    from bizenv.indicators.services import EDITABLE_FIELDS
    from bizenv.indicators.specs import INDICATOR_FIELD_TABLE, IndicatorSpec

    spec_attributes = {f.name for f in fields(IndicatorSpec)} - {"locations"}
    assert {f.name for f in INDICATOR_FIELD_TABLE} - {"parent", "level"} == spec_attributes
    assert "transform" in INDICATOR_FIELDS and "transform_power" not in INDICATOR_FIELDS
    assert "code" not in EDITABLE_FIELDS and "weight_variants" in EDITABLE_FIELDS
    assert COMPARED_FIELDS[:3] == ("name", "parent", "level") and COMPARED_FIELDS[-2:] == ("definition", "remarks")
    assert COMPARED_LABELS["parent"] == "上级指标" and COMPARED_LABELS["transform_power"] == "幂变换"


def test_direction_is_inferred_from_best_and_worst_only_when_not_given():
    from bizenv.indicators.specs import direction_infer

    assert direction_infer("", 1, 10) == "lower_better"
    assert direction_infer("", 10, 1) == "higher_better"
    assert direction_infer("higher_better", 1, 10) == "higher_better"
    assert direction_infer("", 5, 5) == ""
    assert direction_infer("", None, 5) == ""
