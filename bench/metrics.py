"""Metric engine over ~10 million raw records vs one hand-written DuckDB SQL query over the same Parquet files.

Run: .venv/bin/python bench/metrics.py [--records 10000000] [--repeat 2] [--engine duckdb]

Synthetic records for every dataset (cases of 2024–2025 and their steps) are generated with numpy into a
temporary lake directory. Then, each in its own child process (so ru_maxrss is that side's peak memory):

- engine: every shipped metric definition compiled to Ibis and run by `MetricEngine` for the 24 months;
- reference: one hand-written DuckDB SQL statement computing the same aggregates (per-record measures in
  CTEs, a workday table joined on start and end date, conditional aggregates, UNION ALL).

The two result sets are checked equal (same keys and record counts, values within 1e-9) before the
records per second, the ratio engine/reference and each side's peak RSS are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("BIZENV_DATA_DIR", "/tmp/bz-metrics")

FIRST, LAST = "2024-01-01", "2026-01-01"

REFERENCE_SQL = """
WITH
steps_per_case AS (
    SELECT process, record_id, count(*) AS n FROM read_parquet({process_steps}) GROUP BY process, record_id
),
cases AS (
    SELECT 'br' AS src, kind AS sub, record_id, region_code, applied_at, completed_at
      FROM read_parquet({business_registrations})
    UNION ALL SELECT 'el', connection_type, record_id, region_code, applied_at, completed_at
      FROM read_parquet({electricity_connections})
    UNION ALL SELECT 'wa', NULL, record_id, region_code, applied_at, completed_at FROM read_parquet({water_connections})
    UNION ALL SELECT 'ga', NULL, record_id, region_code, applied_at, completed_at FROM read_parquet({gas_connections})
    UNION ALL SELECT 'cp', NULL, record_id, region_code, applied_at, completed_at
      FROM read_parquet({construction_permits})
    UNION ALL SELECT 'pt', NULL, record_id, region_code, applied_at, completed_at FROM read_parquet({property_transfers})
),
measured AS (
    SELECT c.src, c.sub, c.region_code, year(c.applied_at) AS y, month(c.applied_at) AS m, s.n,
           CASE WHEN ce.cum IS NOT NULL AND cs.cum IS NOT NULL AND cs.segment = ce.segment
                THEN greatest(CAST(ce.cum - cs.cum AS DOUBLE), 0.5) END AS days
      FROM cases c
      LEFT JOIN steps_per_case s
        ON s.record_id = c.record_id
       AND s.process = CASE c.src WHEN 'br' THEN 'business_registrations' WHEN 'el' THEN 'electricity_connections'
                                  WHEN 'wa' THEN 'water_connections' WHEN 'ga' THEN 'gas_connections'
                                  WHEN 'cp' THEN 'construction_permits' ELSE 'property_transfers' END
      LEFT JOIN calendar cs ON cs.day = CAST(c.applied_at AS DATE)
      LEFT JOIN calendar ce ON ce.day = CAST(c.completed_at AS DATE)
     WHERE c.applied_at >= TIMESTAMP '{first}' AND c.applied_at < TIMESTAMP '{last}'
),
case_aggs AS (
    SELECT src, sub, region_code, y, m,
           avg(n) AS mean_steps, count(n) AS n_steps, avg(days) AS mean_days, count(days) AS n_days
      FROM measured GROUP BY src, sub, region_code, y, m
),
services AS (
    SELECT sc.region_code, sc.applied_at, sc.completed_at, sc.promised_limit_days, sc.statutory_limit_days,
           CASE WHEN ce.cum IS NOT NULL AND cs.cum IS NOT NULL AND cs.segment = ce.segment
                THEN greatest(CAST(ce.cum - cs.cum AS DOUBLE), 0.5) END AS days
      FROM read_parquet({service_cases}) sc
      LEFT JOIN calendar cs ON cs.day = CAST(sc.applied_at AS DATE)
      LEFT JOIN calendar ce ON ce.day = CAST(sc.completed_at AS DATE)
)
SELECT CASE src WHEN 'br' THEN 'starting_business.steps.' || sub
                WHEN 'el' THEN 'getting_electricity.steps.'
                     || CASE sub WHEN 'low_voltage_non_residential' THEN 'low_voltage_business' ELSE sub END
                WHEN 'wa' THEN 'getting_water.steps' WHEN 'ga' THEN 'getting_gas.steps'
                WHEN 'cp' THEN 'construction_permits.steps' ELSE 'registering_property.steps' END AS code,
       region_code, y, m, mean_steps AS value, n_steps AS records
  FROM case_aggs WHERE n_steps > 0
UNION ALL
SELECT CASE src WHEN 'br' THEN 'starting_business.time.' || sub
                WHEN 'el' THEN 'getting_electricity.time.'
                     || CASE sub WHEN 'low_voltage_non_residential' THEN 'low_voltage_business' ELSE sub END
                WHEN 'wa' THEN 'getting_water.time' WHEN 'ga' THEN 'getting_gas.time'
                WHEN 'cp' THEN 'construction_permits.time' ELSE 'registering_property.time' END,
       region_code, y, m, mean_days, n_days
  FROM case_aggs
UNION ALL
SELECT 'bidding_tendering.nonlocal_win_rate', region_code, year(published_at), month(published_at),
       100 * avg(CASE WHEN NOT winner_local THEN 1.0 ELSE 0.0 END), count(*)
  FROM read_parquet({tenders})
 WHERE winner_local IS NOT NULL AND published_at >= TIMESTAMP '{first}' AND published_at < TIMESTAMP '{last}'
 GROUP BY ALL
UNION ALL
SELECT 'government_services.item_convenience.time_limit_reduction', region_code, year(applied_at), month(applied_at),
       100 * avg(1 - promised_limit_days / statutory_limit_days), count(*)
  FROM services
 WHERE promised_limit_days IS NOT NULL AND statutory_limit_days >= 0.5
   AND applied_at >= TIMESTAMP '{first}' AND applied_at < TIMESTAMP '{last}'
 GROUP BY ALL
UNION ALL
SELECT 'government_services.item_convenience.on_time_rate', region_code, year(completed_at), month(completed_at),
       100 * avg(CASE WHEN days <= promised_limit_days THEN 1.0 ELSE 0.0 END), count(days)
  FROM services
 WHERE completed_at IS NOT NULL AND promised_limit_days IS NOT NULL AND days IS NOT NULL
   AND completed_at >= TIMESTAMP '{first}' AND completed_at < TIMESTAMP '{last}'
 GROUP BY ALL
"""


def _months():
    from bizenv.core.periods import Period, period_range

    return period_range(Period.parse(FIRST[:7]), Period.parse("2025-12"))


def _specs():
    from bizenv.datasets.metrics import metric_specs_load

    folder = REPO / "bizenv/datasets/metric_definitions"
    return [s for p in sorted(folder.glob("*.yaml")) for s in metric_specs_load(p.read_text("utf-8"), filename=p.name)]


def child_generate(lake: Path, records: int) -> None:
    from bizenv.datasets.synthetic_records import generate, write_lake

    tables = generate(records)
    write_lake(tables, lake)
    json.dump({k: t.num_rows for k, t in tables.items()}, open(lake / "rows.json", "w"))


def _files(lake: Path) -> dict[str, list[Path]]:
    return {p.stem: [p] for p in sorted(lake.glob("*.parquet"))}


def child_engine(lake: Path, out: Path, engine: str, repeat: int) -> None:
    from bizenv.datasets.engine import MetricEngine
    from bizenv.workdays.calendar import WorkCalendar

    specs, months = _specs(), _months()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        with MetricEngine(engine, files=_files(lake), calendar=WorkCalendar()) as eng:
            results = eng.run(specs, months)
        best = min(best, time.perf_counter() - start)
    rows = [[r.code, r.region_code, r.period, r.value, r.record_count] for r in results]
    json.dump({"seconds": best, "rows": rows}, open(out, "w"))


def child_reference(lake: Path, out: Path, repeat: int) -> None:
    import duckdb

    from bizenv.workdays.calendar import WorkCalendar

    files = {k: f"'{v[0]}'" for k, v in _files(lake).items()}
    sql = REFERENCE_SQL.format(first=FIRST, last=LAST, **files)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        con = duckdb.connect()
        calendar = WorkCalendar().table().to_arrow()  # noqa: F841 (DuckDB reads the local Arrow table)
        con.register("calendar", calendar)
        table = con.sql(sql).arrow()
        con.close()
        best = min(best, time.perf_counter() - start)
    if hasattr(table, "read_all"):
        table = table.read_all()
    rows = [[r["code"], r["region_code"], f"{r['y']:04d}-{r['m']:02d}", r["value"], r["records"]]
            for r in table.to_pylist() if r["records"] or r["value"] is not None]
    json.dump({"seconds": best, "rows": rows}, open(out, "w"))


def _spawn(*args: str) -> tuple[float, int]:
    """Run this script as a child; returns (wall seconds, peak RSS in bytes) of that child alone."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *args])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"子进程 {args[:2]} 失败，退出码 {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss * 1024


def _compare(engine_rows, reference_rows) -> int:
    ref = {(c, r, p): (v, n) for c, r, p, v, n in reference_rows}
    got = {(c, r, p): (v, n) for c, r, p, v, n in engine_rows}
    if set(ref) != set(got):
        raise SystemExit(f"结果不一致：引擎 {len(got)} 行，参照 {len(ref)} 行；差异示例 "
                         f"{sorted(set(ref) ^ set(got))[:5]}")
    for key, (v, n) in got.items():
        rv, rn = ref[key]
        if n != rn or (v is None) != (rv is None) or (v is not None and abs(v - rv) > 1e-9):
            raise SystemExit(f"结果不一致：{key} 引擎 {(v, n)}，参照 {(rv, rn)}")
    return len(got)


def _machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    import ibis

    return (f"nproc {os.cpu_count()}，CPU {cpu or '未知'}，Python {platform.python_version()}，"
            f"ibis {ibis.__version__}，duckdb {duckdb.__version__}，load average {os.getloadavg()[0]:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000, help="原始记录总数（办件 + 环节），默认 1000 万")
    parser.add_argument("--repeat", type=int, default=2, help="每边重复次数，取最好成绩")
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "generate":
        child_generate(Path(args.lake), args.records)
        return 0
    if args.child == "engine":
        child_engine(Path(args.lake), Path(args.out), args.engine, args.repeat)
        return 0
    if args.child == "reference":
        child_reference(Path(args.lake), Path(args.out), args.repeat)
        return 0

    with tempfile.TemporaryDirectory(prefix="bizenv-bench-metrics-") as tmp:
        lake = Path(tmp) / "lake"
        gen_s, _ = _spawn("--child", "generate", "--lake", str(lake), "--records", str(args.records))
        rows = json.load(open(lake / "rows.json"))
        total = sum(rows.values())
        size = sum(p.stat().st_size for p in lake.glob("*.parquet"))
        print(f"生成 {total:,} 条原始记录（{len(rows)} 个数据集，Parquet {size / 2**20:.0f} MiB），用时 {gen_s:.1f} s")
        common = ["--lake", str(lake), "--repeat", str(args.repeat)]
        _, engine_rss = _spawn("--child", "engine", "--out", str(Path(tmp) / "engine.json"),
                               "--engine", args.engine, *common)
        _, ref_rss = _spawn("--child", "reference", "--out", str(Path(tmp) / "reference.json"), *common)
        engine = json.load(open(Path(tmp) / "engine.json"))
        reference = json.load(open(Path(tmp) / "reference.json"))
        checked = _compare(engine["rows"], reference["rows"])
        e, r = engine["seconds"], reference["seconds"]
        print(f"机器：{_machine()}")
        print(f"口径 {len(_specs())} 个 × 24 个月，结果 {checked} 行，两边一致（数值误差 ≤ 1e-9）")
        print(f"引擎（{args.engine}）：{e:.2f} s，{total / e:,.0f} 条/秒，峰值内存 {engine_rss / 2**30:.2f} GiB")
        print(f"参照（手写 DuckDB SQL）：{r:.2f} s，{total / r:,.0f} 条/秒，峰值内存 {ref_rss / 2**30:.2f} GiB")
        print(f"比值（引擎/参照）：{e / r:.2f}（目标 ≤ 1.5）；引擎峰值内存目标 ≤ 4 GiB："
              f"{'达到' if engine_rss <= 4 * 2**30 else '未达到'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
