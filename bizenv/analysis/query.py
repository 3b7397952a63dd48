"""The combined query (跨区域跨时域组合查询): any regions × periods × indicators as tidy rows, and Excel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from io import BytesIO

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from bizenv.analysis.cubes import ScoreCube, finite
from bizenv.core.exports import workbook_safe


@dataclass(frozen=True)
class QueryRow:
    region: str
    region_name: str
    period: str
    indicator: str
    indicator_name: str
    level: int
    unit: str
    value: float | None
    score: float | None
    rank: int  # 0 = unranked
    completeness: float | None
    band: str


def query_rows(cube: ScoreCube, *, regions: Sequence[str] = (), periods: Sequence[str] = (),
               indicators: Sequence[str] = ()) -> list[QueryRow]:
    """Rows ordered by indicator (tree order), period, region; empty selections mean everything."""
    r_idx = [cube.region_at(c) for c in regions] if regions else list(range(len(cube.regions)))
    p_idx = [cube.period_at(p) for p in periods] if periods else list(range(len(cube.periods)))
    n_idx = sorted(cube.node_at(c) for c in indicators) if indicators else list(range(len(cube.system.codes)))
    system, ev = cube.system, cube.evaluation
    values = cube.node_values()
    rows = []
    for n in n_idx:
        spec = system.specs[n]
        for p in p_idx:
            for r in r_idx:
                band = int(ev.bands[r, p, n])
                rows.append(QueryRow(
                    region=cube.regions[r], region_name=cube.region_names[r], period=cube.periods[p],
                    indicator=system.codes[n], indicator_name=system.names[n], level=int(system.level[n]),
                    unit=spec.unit if spec else "分", value=finite(values[r, p, n]),
                    score=finite(ev.nodes.score[r, p, n]), rank=int(ev.ranks[r, p, n]),
                    completeness=finite(ev.nodes.completeness[r, p, n]),
                    band=ev.band_labels[band] if band >= 0 else "",
                ))
    return rows


def rows_as_dicts(rows: Sequence[QueryRow]) -> list[dict]:
    return [asdict(row) for row in rows]


COLUMNS = (("region", "区域代码"), ("region_name", "区域"), ("period", "时期"), ("indicator", "指标编码"),
           ("indicator_name", "指标"), ("level", "层级"), ("value", "指标值"), ("unit", "单位"),
           ("score", "得分"), ("rank", "排名"), ("completeness", "数据完整度"), ("band", "等级"))


def query_xlsx(rows: Sequence[QueryRow], *, title: str = "组合查询") -> bytes:
    """The rows as an Excel workbook: one header row in Chinese, numbers as numbers, empty when missing."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([label for _key, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0F4C97")
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        data = asdict(row)
        line = []
        for key, _label in COLUMNS:
            value = data[key]
            if key == "rank":
                value = value or None
            elif key == "score" and value is not None:
                value = round(value, 4)
            elif key == "completeness" and value is not None:
                value = round(value, 4)
            line.append(value)
        sheet.append(line)
    for column, width in zip("ABCDEFGHIJKL", (12, 14, 10, 36, 28, 6, 12, 10, 10, 8, 12, 8), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    workbook_safe(book)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def pivot(rows: Sequence[QueryRow], *, field: str = "score") -> dict[tuple[str, str], dict[str, float | None]]:
    """{(indicator, period): {region: field}} — the cross-region cross-time matrix of one field."""
    out: dict[tuple[str, str], dict[str, float | None]] = {}
    for row in rows:
        value = getattr(row, field)
        out.setdefault((row.indicator, row.period), {})[row.region] = (
            None if value is None or (isinstance(value, float) and np.isnan(value)) else value)
    return out


MEASURE_LABELS = {"score": "得分", "value": "指标值", "rank": "排名"}


@dataclass(frozen=True)
class TableLine:
    """One line of a pivoted table: a period (trend) or an indicator (snapshot), one cell per region."""

    key: str
    label: str
    level: int
    unit: str
    cells: tuple[float | int | None, ...]
    best: int | None  # index of the best cell (highest value or score, lowest rank); None if no data

    @property
    def empty(self) -> bool:
        return all(c is None for c in self.cells)


@dataclass(frozen=True)
class QueryTable:
    """A region × (period or indicator) slice of the combined query, ready to show and to chart."""

    field: str
    title: str
    regions: tuple[tuple[str, str], ...]  # (code, name) in query order
    lines: tuple[TableLine, ...]

    @property
    def empty(self) -> bool:
        return all(line.empty for line in self.lines)


def _cell(row: QueryRow, field: str) -> float | int | None:
    value = getattr(row, field)
    if field == "rank":
        return value or None
    return None if value is None else float(value)


def _best(cells: Sequence[float | int | None], field: str, direction: str = "higher_better") -> int | None:
    known = [(c, i) for i, c in enumerate(cells) if c is not None]
    if not known:
        return None
    lower = field == "rank" or (field == "value" and direction == "lower_better")
    return (min(known) if lower else max(known))[1]


def _regions(rows: Sequence[QueryRow]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys((r.region, r.region_name) for r in rows))


def trend_table(rows: Sequence[QueryRow], *, indicator: str, field: str = "score",
                directions: dict[str, str] | None = None) -> QueryTable:
    """One indicator over time: a line per period, a column per region (跨区域跨时域)."""
    regions = _regions(rows)
    mine = [r for r in rows if r.indicator == indicator]
    name = mine[0].indicator_name if mine else indicator
    direction = (directions or {}).get(indicator, "higher_better")
    lines = []
    for period in dict.fromkeys(r.period for r in mine):
        by_region = {r.region: r for r in mine if r.period == period}
        cells = tuple(_cell(by_region[c], field) if c in by_region else None for c, _n in regions)
        unit = mine[0].unit if field == "value" else ("名" if field == "rank" else "分")
        lines.append(TableLine(key=period, label=period, level=mine[0].level, unit=unit, cells=cells,
                               best=_best(cells, field, direction)))
    return QueryTable(field=field, title=f"{name} {MEASURE_LABELS[field]}", regions=regions, lines=tuple(lines))


def snapshot_table(rows: Sequence[QueryRow], *, period: str, field: str = "score",
                   directions: dict[str, str] | None = None) -> QueryTable:
    """One period across indicators: a line per indicator (tree order), a column per region."""
    regions = _regions(rows)
    mine = [r for r in rows if r.period == period]
    lines = []
    for code in dict.fromkeys(r.indicator for r in mine):
        by_region = {r.region: r for r in mine if r.indicator == code}
        first = next(iter(by_region.values()))
        cells = tuple(_cell(by_region[c], field) if c in by_region else None for c, _n in regions)
        unit = first.unit if field == "value" else ("名" if field == "rank" else "分")
        lines.append(TableLine(key=code, label=first.indicator_name, level=first.level, unit=unit, cells=cells,
                               best=_best(cells, field, (directions or {}).get(code, "higher_better"))))
    return QueryTable(field=field, title=f"{period} {MEASURE_LABELS[field]}", regions=regions, lines=tuple(lines))
