"""The combined query (跨区域跨时域组合查询): any regions × periods × indicators as tidy rows, and Excel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from io import BytesIO

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from bizenv.analysis.cubes import ScoreCube, finite


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
