"""External data in wide tables (a row per region, a column per leaf's `external_ref`) as observations.

Also derives the system that scores published component scores as they are (identity leaves), so a
method can be checked against a source's own component scores.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from bizenv.core.exports import dicts_safe
from bizenv.evaluation.parsing import NO_PRACTICE, NOT_APPLICABLE, OBSERVATION_COLUMNS
from bizenv.evaluation.scoring import ScoringError
from bizenv.indicators.specs import IndicatorSpec, SystemSpec, walk

MISSING = ""
SPECIAL_VALUES = (MISSING, NO_PRACTICE, NOT_APPLICABLE)


def wide_observations(rows: Iterable[Mapping[str, str]], spec: SystemSpec, *,
                      region: Callable[[Mapping], str], period: str,
                      tokens: Mapping[str, str]) -> list[dict[str, str]]:
    """OBS rows for every leaf with an `external_ref`, mapping the source's tokens to special values."""
    bad = {t: v for t, v in tokens.items() if v not in SPECIAL_VALUES}
    if bad:
        raise ScoringError(f"标记只能映射为 空（缺数）、{NO_PRACTICE} 或 {NOT_APPLICABLE}：{bad}")
    leaves = [node for node, _parent, _level in walk(spec.indicators) if node.is_leaf and node.external_ref]
    result = []
    for number, row in enumerate(rows, start=1):
        absent = [leaf.external_ref for leaf in leaves if leaf.external_ref not in row]
        if absent:
            raise ScoringError(f"外部数据第 {number} 条记录中没有列：{'、'.join(absent)}"
                               "（指标的 external_ref）")
        name = region(row)
        for leaf in leaves:
            text = (row[leaf.external_ref] or "").strip()
            result.append({"region": name, "indicator": leaf.code, "period": period,
                           "value": tokens.get(text, text)})
    return result


def observations_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """OBS.csv text of observation rows."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=OBSERVATION_COLUMNS, lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(dicts_safe(rows))  # formula-like text gets an apostrophe; parsing drops it
    return buffer.getvalue()


def score_input_system(spec: SystemSpec, score_ref: Callable[[IndicatorSpec], str | None]) -> SystemSpec:
    """A copy of `spec` fed with published scores: a node with a score column becomes an identity leaf."""
    # `score_ref(node)` names the column holding the node's published 0–100 score, or None. A node that
    # has one becomes a leaf (children dropped) scored as is: best 100, worst 0, no transform. Weights,
    # variants and optional flags are kept, so aggregation above those nodes is the original method.

    def derive(node: IndicatorSpec) -> IndicatorSpec:
        column = score_ref(node)
        if column:
            return replace(node, children=[], best=100.0, worst=0.0, direction="higher_better",
                           transform_power=None, unit="分", external_ref=column)
        if node.is_leaf:
            raise ScoringError(f"末级指标 {node.code} 没有对应的已公布得分列，无法由得分汇总")
        return replace(node, children=[derive(child) for child in node.children])

    return replace(spec, code=f"{spec.code}-scores", name=f"{spec.name}（按已公布分项得分）",
                   indicators=[derive(node) for node in spec.indicators])
