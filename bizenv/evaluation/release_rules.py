"""红黑榜 rules: who is listed red and black, and what changed since the previous release. Pure.

A release's frozen `scores` table is {"scopes": [{"code", "name"}], "rows": [{"region", "region_name",
"scores": {code: score|None}, "ranks": {code: rank|None}, "bands": {code: band}}]}; the scopes are TOTAL
and, when the rule says so, every first-level indicator. Rules (JSON, stored on the system and copied
into each release):

    {"mode": "top_n", "red": 3, "black": 3, "scopes": "total_and_level1"}
    {"mode": "threshold", "red_min": 90, "black_below": 60, "scopes": "total"}
    {"mode": "improved", "red": 3, "black": 3, "scopes": "total"}   # change against the previous period
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bizenv.evaluation.fingerprint import canonical_json, inputs_fingerprint
from bizenv.evaluation.scoring import TOTAL

MODES = {
    "top_n": "按名次：前 N 名上红榜，后 N 名上黑榜",
    "threshold": "按分数线：达到红榜分数线上红榜，低于黑榜分数线上黑榜",
    "improved": "按进步幅度：与上期相比进步最大的上红榜，退步最大的上黑榜",
}
SCOPES = {"total": "仅综合得分", "total_and_level1": "综合得分及每个一级指标"}
LISTS = {"red": "红榜", "black": "黑榜"}
DEFAULT_RULES = {"mode": "top_n", "red": 3, "black": 3, "scopes": "total_and_level1"}


class RuleError(ValueError):
    """A rule that cannot be applied; the message is Chinese."""


def _count(rules: Mapping[str, Any], key: str, label: str) -> int:
    try:
        value = int(rules.get(key, 3))
    except (TypeError, ValueError):
        raise RuleError(f"{label}必须是整数") from None
    if not 0 <= value <= 100:
        raise RuleError(f"{label}应在 0 到 100 之间")
    return value


def _number(rules: Mapping[str, Any], key: str, label: str) -> float:
    try:
        value = float(rules[key])
    except KeyError:
        raise RuleError(f"按分数线评选时必须填写{label}") from None
    except (TypeError, ValueError):
        raise RuleError(f"{label}必须是数字") from None
    if not 0 <= value <= 100:
        raise RuleError(f"{label}应在 0 到 100 之间")
    return value


def rules_normalise(rules: Mapping[str, Any] | None) -> dict[str, Any]:
    """Rules with defaults filled in and checked; raises RuleError."""
    rules = dict(rules or DEFAULT_RULES)
    mode = rules.get("mode", "top_n")
    if mode not in MODES:
        raise RuleError(f"未知的评选方式“{mode}”，应为 {'、'.join(MODES)} 之一")
    scopes = rules.get("scopes", "total_and_level1")
    if scopes not in SCOPES:
        raise RuleError(f"未知的评选范围“{scopes}”，应为 {'、'.join(SCOPES)} 之一")
    if mode == "threshold":
        red_min = _number(rules, "red_min", "红榜分数线")
        black_below = _number(rules, "black_below", "黑榜分数线")
        if black_below > red_min:
            raise RuleError("黑榜分数线不能高于红榜分数线")
        return {"mode": mode, "red_min": red_min, "black_below": black_below, "scopes": scopes}
    return {"mode": mode, "red": _count(rules, "red", "红榜名额"), "black": _count(rules, "black", "黑榜名额"),
            "scopes": scopes}


def rules_describe(rules: Mapping[str, Any]) -> str:
    """The rule in one Chinese sentence (for pages and bulletins)."""
    scope = SCOPES[rules["scopes"]]
    if rules["mode"] == "threshold":
        return f"{scope}：得分不低于 {rules['red_min']:g} 分的上红榜，低于 {rules['black_below']:g} 分的上黑榜"
    if rules["mode"] == "improved":
        return f"{scope}：与上期相比得分提高最多的前 {rules['red']} 名上红榜，下降最多的 {rules['black']} 名上黑榜"
    return f"{scope}：排名前 {rules['red']} 名上红榜，后 {rules['black']} 名上黑榜（并列同名次一并列入）"


def black_caption(rules: Mapping[str, Any], count: int) -> str:
    """What put the regions of a release's composite 黑榜 there, in a few words (captions of counts)."""
    if rules.get("mode") == "threshold":
        return f"综合得分低于 {rules['black_below']:g} 分"
    if rules.get("mode") == "improved":
        return f"综合得分较上期下降最多的 {count} 个"
    return f"综合得分后 {count} 名"


def _entry(kind: str, scope: Mapping[str, str], row: Mapping[str, Any], position: int,
           previous: float | None) -> dict[str, Any]:
    score = row["scores"][scope["code"]]
    change = None if previous is None or score is None else score - previous
    return {"list": kind, "indicator": scope["code"], "indicator_name": scope["name"], "position": position,
            "region": row["region"], "region_name": row["region_name"], "score": score,
            "rank": row["ranks"][scope["code"]], "previous_score": previous, "change": change}


def _previous_scores(previous: Mapping[str, Any] | None, code: str) -> dict[str, float | None]:
    if not previous:
        return {}
    return {row["region"]: row["scores"].get(code) for row in previous["rows"]}


def release_entries(*, scores: Mapping[str, Any], rules: Mapping[str, Any],
                    previous: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The red and black entries of every scope, red best first and black worst first."""
    rules = rules_normalise(rules)
    if rules["mode"] == "improved" and previous is None:
        raise RuleError("按进步幅度评选需要上一期的评价结果，而上一期没有评价")
    entries: list[dict[str, Any]] = []
    for scope in scores["scopes"]:
        code = scope["code"]
        before = _previous_scores(previous, code)
        ranked = [row for row in scores["rows"] if row["scores"][code] is not None and row["ranks"][code]]
        red: list[dict] = []
        black: list[dict] = []
        if rules["mode"] == "top_n":
            red = sorted((r for r in ranked if r["ranks"][code] <= rules["red"]), key=lambda r: r["ranks"][code])
            red_ids = {r["region"] for r in red}
            # Bottom N by rank, ties shared: fewer than N regions rank strictly below.
            black = [r for r in ranked
                     if sum(1 for o in ranked if o["ranks"][code] > r["ranks"][code]) < rules["black"]
                     and r["region"] not in red_ids]
            black.sort(key=lambda r: (-r["ranks"][code], r["region"]))
        elif rules["mode"] == "threshold":
            red = sorted((r for r in ranked if r["scores"][code] >= rules["red_min"]),
                         key=lambda r: (r["ranks"][code], r["region"]))
            black = sorted((r for r in ranked if r["scores"][code] < rules["black_below"]),
                           key=lambda r: (-r["ranks"][code], r["region"]))
        else:
            changes = [(r, r["scores"][code] - before[r["region"]]) for r in ranked
                       if before.get(r["region"]) is not None]
            gains = sorted((c for c in changes if c[1] > 0), key=lambda c: (-c[1], c[0]["region"]))
            losses = sorted((c for c in changes if c[1] < 0), key=lambda c: (c[1], c[0]["region"]))
            red = [r for r, _ in gains[:rules["red"]]]
            black = [r for r, _ in losses[:rules["black"]]]
        for kind, rows in (("red", red), ("black", black)):
            entries.extend(_entry(kind, scope, row, i, before.get(row["region"]))
                           for i, row in enumerate(rows, start=1))
    return entries


def scores_table(rows: list[Mapping[str, Any]], *, scopes: str) -> dict[str, Any]:
    """The frozen scores table of a release from a run's result rows (member regions only)."""
    wanted = [(r["code"], r["name"]) for r in rows
              if r["level"] == 0 or (scopes == "total_and_level1" and r["level"] == 1)]
    codes = list(dict.fromkeys(wanted))
    by_region: dict[str, dict[str, Any]] = {}
    for r in rows:
        if not r["member"]:
            continue
        row = by_region.setdefault(r["region"], {"region": r["region"], "region_name": r["region_name"],
                                                 "scores": {}, "ranks": {}, "bands": {}})
        if (r["code"], r["name"]) in codes:
            row["scores"][r["code"]] = r["score"]
            row["ranks"][r["code"]] = r["rank"]
            row["bands"][r["code"]] = r["band"]
    ordered = sorted(by_region.values(), key=lambda row: (row["ranks"].get(TOTAL) or 10**9, row["region"]))
    return {"scopes": [{"code": c, "name": n} for c, n in codes], "rows": ordered}


def release_content_hash(*, entries: list, scores: Mapping[str, Any]) -> str:
    """SHA-256 of a release's listed entries and scores (what publication freezes)."""
    return inputs_fingerprint({"entries": entries, "scores": scores})


def release_changes(*, current_entries: list, current_scores: Mapping[str, Any],
                    previous_entries: list, previous_scores: Mapping[str, Any]) -> dict[str, Any]:
    """Who entered and left each list of each scope, and how the composite ranks moved."""
    def listed(entries):
        result: dict[tuple[str, str], dict[str, str]] = {}
        for e in entries:
            result.setdefault((e["list"], e["indicator"]), {})[e["region"]] = e["region_name"]
        return result

    now, before = listed(current_entries), listed(previous_entries)
    lists = []
    for scope in current_scores["scopes"]:
        for kind in LISTS:
            cur, old = now.get((kind, scope["code"]), {}), before.get((kind, scope["code"]), {})
            entered = [cur[r] for r in cur if r not in old]
            left = [old[r] for r in old if r not in cur]
            kept = [cur[r] for r in cur if r in old]
            if entered or left or kept:
                lists.append({"list": kind, "list_label": LISTS[kind], "indicator": scope["code"],
                              "indicator_name": scope["name"], "entered": entered, "left": left, "kept": kept})
    previous_rank = {row["region"]: row["ranks"].get(TOTAL) for row in previous_scores.get("rows", [])}
    moves = []
    for row in current_scores["rows"]:
        old, new = previous_rank.get(row["region"]), row["ranks"].get(TOTAL)
        if old and new:
            moves.append({"region": row["region"], "region_name": row["region_name"], "from": old, "to": new,
                          "delta": old - new})
    moves.sort(key=lambda m: (-abs(m["delta"]), m["to"]))
    return {"lists": lists, "rank_moves": moves}


__all__ = ["DEFAULT_RULES", "LISTS", "MODES", "SCOPES", "RuleError", "canonical_json", "release_changes",
           "release_content_hash", "release_entries", "rules_describe", "rules_normalise", "scores_table"]
