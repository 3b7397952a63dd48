"""The frozen inputs of an evaluation run: canonical form, fingerprint, and scoring from them alone.

Pure: no ORM. `inputs` is a JSON-able dictionary

    {"format": 1, "period": "2026-03",
     "system": system_canonical(spec),                       # the version's whole content
     "regions": [{"code", "name", "member", "attributes"}],  # attributes: only those variants test
     "observations": [{"id", "region", "indicator", "value", "special"}],
     "params": {"missing", "tie_tolerance", "bands", "include_optional"}}

and its fingerprint is the SHA-256 of its canonical JSON (sorted keys, no spaces, floats by `repr`,
which round-trips exactly). Scoring the same inputs always gives bit-identical numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bizenv.evaluation.scoring import (
    DEFAULT_BANDS,
    DEFAULT_TIE_TOLERANCE,
    MISSING_POLICIES,
    TOTAL,
    ScoringError,
    compile_system,
    evaluate,
    parse_bands,
    rank,
)
from bizenv.indicators.specs import IndicatorSpec, SystemSpec, VariantSpec

INPUTS_FORMAT = 1
DEFAULT_BANDS_TEXT = ",".join(f"{label}:{minimum:g}" for label, minimum in DEFAULT_BANDS.thresholds) + \
    f",{DEFAULT_BANDS.below}"
SPECIAL_NO_PRACTICE = "no_practice"
SPECIAL_NOT_APPLICABLE = "not_applicable"


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no whitespace, UTF-8 characters kept."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def inputs_fingerprint(inputs: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an evaluation's inputs."""
    return hashlib.sha256(canonical_json(inputs).encode("utf-8")).hexdigest()


def params_normalise(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters with defaults filled in and checked; raises ScoringError in Chinese."""
    params = dict(params or {})
    unknown = set(params) - {"missing", "tie_tolerance", "bands", "include_optional"}
    if unknown:
        raise ScoringError(f"未知的评价参数：{'、'.join(sorted(unknown))}")
    missing = params.get("missing") or "reweight"
    if missing not in MISSING_POLICIES:
        raise ScoringError(f"未知的缺数处理方式“{missing}”，应为 {'、'.join(MISSING_POLICIES)} 之一")
    try:
        tolerance = float(params.get("tie_tolerance", DEFAULT_TIE_TOLERANCE))
    except (TypeError, ValueError):
        raise ScoringError("并列容差必须是数字") from None
    if not tolerance >= 0 or math.isinf(tolerance):
        raise ScoringError("并列容差必须是大于等于 0 的数字")
    bands = str(params.get("bands") or DEFAULT_BANDS_TEXT).strip()
    parse_bands(bands)
    return {"missing": missing, "tie_tolerance": tolerance, "bands": bands,
            "include_optional": bool(params.get("include_optional", False))}


def spec_from_canonical(system: Mapping[str, Any]) -> SystemSpec:
    """Rebuild a resolved SystemSpec from `system_canonical` output (parents precede children)."""
    nodes: dict[str, IndicatorSpec] = {}
    roots: list[IndicatorSpec] = []
    for row in system["indicators"]:
        node = IndicatorSpec(
            code=row["code"], name=row["name"], weight=float(row["weight"]), optional=bool(row["optional"]),
            unit=row.get("unit", ""), direction=row.get("direction", ""),
            best=None if row.get("best") is None else float(row["best"]),
            worst=None if row.get("worst") is None else float(row["worst"]),
            transform_power=None if row.get("transform_power") is None else float(row["transform_power"]),
            weight_variants=[VariantSpec(when=dict(v["when"]), weight=float(v["weight"]))
                             for v in row.get("weight_variants", [])],
        )
        nodes[node.code] = node
        if row.get("parent") is None:
            roots.append(node)
        else:
            nodes[row["parent"]].children.append(node)
    return SystemSpec(code=system["code"], name=system["name"], version=system.get("version", ""),
                      description=system.get("description", ""), indicators=roots)


@dataclass(frozen=True, eq=False)
class RunScores:
    """What one run computes: (R, N) arrays over regions and nodes (TOTAL first, then depth-first)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    levels: tuple[int, ...]
    region_codes: tuple[str, ...]
    region_names: tuple[str, ...]
    members: tuple[bool, ...]  # ranked regions; the parent region is scored but not ranked
    score: np.ndarray
    completeness: np.ndarray
    applicable: np.ndarray
    rank: np.ndarray  # 0 = unranked
    band: tuple[tuple[str, ...], ...]  # "" where no score

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per (region, node): what the results table stores."""
        out = []
        for r, region in enumerate(self.region_codes):
            for n, code in enumerate(self.codes):
                score = float(self.score[r, n])
                has = not math.isnan(score)
                completeness = float(self.completeness[r, n])
                status = "scored" if has else ("missing" if self.applicable[r, n] else "not_applicable")
                out.append({
                    "region": region, "region_name": self.region_names[r], "member": self.members[r],
                    "code": code, "name": self.names[n], "level": self.levels[n],
                    "position": n, "score": score if has else None,
                    "rank": int(self.rank[r, n]) or None,
                    "completeness": None if math.isnan(completeness) else completeness,
                    "band": self.band[r][n], "status": status,
                })
        return out


def evaluate_inputs(inputs: Mapping[str, Any]) -> RunScores:
    """Score frozen inputs: leaf values → node scores, completeness, ranks among member regions, bands."""
    params = params_normalise(inputs["params"])
    compiled = compile_system(spec_from_canonical(inputs["system"]))
    regions = inputs["regions"]
    period = inputs["period"]
    region_at = {r["code"]: i for i, r in enumerate(regions)}
    leaf_at = compiled.leaf_index
    shape = (len(regions), 1, len(leaf_at))
    values = np.full(shape, np.nan)
    not_applicable = np.zeros(shape, dtype=bool)
    no_practice = np.zeros(shape, dtype=bool)
    for obs in inputs["observations"]:
        r, leaf = region_at.get(obs["region"]), leaf_at.get(obs["indicator"])
        if r is None or leaf is None:
            continue
        if obs.get("special") == SPECIAL_NOT_APPLICABLE:
            not_applicable[r, 0, leaf] = True
        elif obs.get("special") == SPECIAL_NO_PRACTICE:
            no_practice[r, 0, leaf] = True
        elif obs.get("value") is not None:
            values[r, 0, leaf] = float(obs["value"])
    bands = parse_bands(params["bands"])
    result = evaluate(
        compiled, values, regions=[r["code"] for r in regions], periods=[period],
        attributes=[dict(r.get("attributes") or {}) for r in regions],
        include_optional=params["include_optional"], not_applicable=not_applicable, no_practice=no_practice,
        missing=params["missing"], tolerance=params["tie_tolerance"], bands=bands,
    )
    score = result.nodes.score[:, 0, :]
    members = np.array([bool(r.get("member", True)) for r in regions], dtype=bool)
    # A node that counts for nothing in a region (weight 0 there, or under such a node, e.g. 获得用气 where
    # there is no pipeline gas) keeps its own score but is not ranked for that region: the scorer's rule.
    rankable = np.where(result.counted, score, np.nan)
    ranks = np.zeros(score.shape, dtype=np.int32)
    if members.any():
        ranks[members] = rank(rankable[members], tolerance=params["tie_tolerance"])
    band_index = result.bands[:, 0, :]
    labels = result.band_labels
    band = tuple(tuple(labels[i] if i >= 0 else "" for i in row) for row in band_index)
    return RunScores(
        codes=compiled.codes, names=compiled.names, levels=tuple(int(x) for x in compiled.level),
        region_codes=tuple(r["code"] for r in regions), region_names=tuple(r["name"] for r in regions),
        members=tuple(bool(m) for m in members), score=score, completeness=result.nodes.completeness[:, 0, :],
        applicable=result.nodes.applicable[:, 0, :], rank=ranks, band=band,
    )


__all__ = ["TOTAL", "RunScores", "canonical_json", "evaluate_inputs", "inputs_fingerprint", "params_normalise",
           "spec_from_canonical"]
