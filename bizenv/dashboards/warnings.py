"""Warnings shown on the home page and the cockpit until the monitoring app exists.

A region is marked when it is on the black list (综合得分) of the latest published 红黑榜, or when its
composite score fell by more than a threshold against the previous period. Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TOTAL = "TOTAL"
# Composite points lost in one period that call for attention (scores run 0–100).
DROP_THRESHOLD = 5.0


@dataclass(frozen=True)
class RegionWarning:
    region_code: str
    region_name: str
    black_listed: bool
    black_rank: int | None  # position on the black list (1 = the worst)
    change: float | None  # composite change against the previous period
    dropped: bool  # change < -threshold
    reasons: tuple[str, ...]

    @property
    def level(self) -> str:
        """"high" when both signals fire, else "medium"."""
        return "high" if self.black_listed and self.dropped else "medium"


def black_list_regions(entries: Sequence[Mapping], *, indicator: str = TOTAL) -> dict[str, Mapping]:
    """{region code: entry} of a release's black-list entries for one scope (综合得分 by default)."""
    return {e["region"]: e for e in entries if e.get("list") == "black" and e.get("indicator") == indicator}


def score_changes(current: Mapping[str, float | None], previous: Mapping[str, float | None]) -> dict[str, float]:
    """{region code: current − previous} for regions scored in both periods."""
    return {code: now - previous[code] for code, now in current.items()
            if now is not None and previous.get(code) is not None}


def region_warnings(*, current: Mapping[str, float | None], previous: Mapping[str, float | None],
                    names: Mapping[str, str], black_entries: Sequence[Mapping] = (), release_label: str = "",
                    previous_label: str = "上期", threshold: float = DROP_THRESHOLD) -> list[RegionWarning]:
    """Regions on the 综合得分 black list or whose composite fell by more than `threshold`; the most urgent first.

    Only regions in `names` are considered (the caller passes the regions the user may see).
    """
    black = black_list_regions(black_entries)
    changes = score_changes(current, previous)
    out = []
    for code, name in names.items():
        entry = black.get(code)
        change = changes.get(code)
        dropped = change is not None and change < -threshold
        if entry is None and not dropped:
            continue
        reasons = []
        if entry is not None:
            reasons.append(f"{release_label}综合得分黑榜第 {entry.get('position')} 名")
        if dropped:
            reasons.append(f"综合得分较{previous_label}下降 {-change:.2f} 分")
        out.append(RegionWarning(region_code=code, region_name=name, black_listed=entry is not None,
                                 black_rank=entry.get("position") if entry else None, change=change,
                                 dropped=dropped, reasons=tuple(reasons)))
    out.sort(key=lambda w: (w.level != "high", w.change if w.change is not None else 0.0, w.black_rank or 99,
                            w.region_code))
    return out
