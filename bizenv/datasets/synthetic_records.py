"""Synthetic raw records for every dataset, generated with numpy (engine tests and bench/metrics).

Not the demo's realistic data: uniform shapes, a fixed seed, fast enough for ten million rows.
Each case gets 1–6 rows in `process_steps`; timestamps fall between `first` and `last` day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bizenv.datasets.catalog import DATASETS, PROCESSES
from bizenv.datasets.lake import arrow_schema

REGIONS = ("530402", "530421", "530422", "530423", "530424", "530425")
CASE_SHARES = {  # share of the case records per process
    "business_registrations": 0.30, "electricity_connections": 0.10, "water_connections": 0.05,
    "gas_connections": 0.05, "construction_permits": 0.05, "property_transfers": 0.10,
    "service_cases": 0.30, "tenders": 0.05,
}
STEP_RATIO = 3.0  # mean steps per case of the stepped processes


def _ids(prefix: str, n: int) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar(prefix), pa.array(np.arange(n)).cast(pa.string()), "")


def _pick(rng, choices, n, nulls: float = 0.0) -> pa.Array:
    arr = pc.take(pa.array(list(choices)), pa.array(rng.integers(0, len(choices), n)))
    if nulls:
        arr = pc.if_else(pa.array(rng.random(n) < nulls), pa.nulls(n, arr.type), arr)
    return arr


def _ts(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype("datetime64[s]"), type=pa.timestamp("s"), mask=mask)


def _float(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.float64), mask=mask)


def generate(records: int, *, seed: int = 2026, first: date = date(2024, 1, 1),
             last: date = date(2025, 12, 31), regions: Sequence[str] = REGIONS) -> dict[str, pa.Table]:
    """About `records` rows over all datasets (cases + their steps), as Arrow tables in lake schema."""
    rng = np.random.default_rng(seed)
    n_cases = max(int(records / (1 + STEP_RATIO * (1 - CASE_SHARES["service_cases"] - CASE_SHARES["tenders"]))),
                  len(CASE_SHARES))
    span = (np.datetime64(last, "s") - np.datetime64(first, "s")).astype(np.int64)
    base = np.datetime64(first, "s")
    tables: dict[str, pa.Table] = {}
    steps: list[pa.Table] = []
    for code, share in CASE_SHARES.items():
        n = max(int(n_cases * share), 1)
        ds = DATASETS[code]
        applied = base + rng.integers(0, span, n).astype("timedelta64[s]")
        hours = rng.gamma(1.5, 40.0, n) * (3 if code == "construction_permits" else 1)
        completed = applied + (hours * 3600).astype("timedelta64[s]")
        open_ = rng.random(n) < 0.05
        cols: dict[str, pa.Array] = {"record_id": _ids(code[:3].upper() + "-", n),
                                     "region_code": _pick(rng, regions, n)}
        if code == "tenders":
            cols.update(
                project_type=_pick(rng, ("construction", "goods", "services"), n),
                published_at=_ts(applied),
                bid_deadline_at=_ts(applied + np.timedelta64(20, "D")),
                awarded_at=_ts(applied + np.timedelta64(25, "D"), open_),
                bidder_count=pa.array(rng.integers(1, 15, n)),
                winner_local=pa.array(rng.random(n) < 0.7, mask=open_),
                deposit_required=pa.array(rng.random(n) < 0.5),
                deposit_refund_days=_float(rng.integers(1, 10, n)),
                amount=_float(rng.gamma(2.0, 5e5, n)),
            )
        else:
            cols.update(channel=_pick(rng, ("online", "counter"), n), applied_at=_ts(applied),
                        completed_at=_ts(completed, open_))
            if code == "service_cases":
                statutory = rng.choice([5.0, 10.0, 20.0, 30.0], n)
                cols.update(department_code=_pick(rng, ("samr", "tax", "housing"), n),
                            item_name=_pick(rng, ("营业执照变更", "食品经营许可", "施工许可", "不动产登记"), n),
                            statutory_limit_days=_float(statutory),
                            promised_limit_days=_float(np.maximum(np.round(statutory * rng.uniform(0.1, 0.8, n)), 1),
                                                       rng.random(n) < 0.1))
            else:
                cols["cost"] = _float(rng.gamma(1.2, 300.0, n), rng.random(n) < 0.2)
                extra = {
                    "business_registrations": {"kind": _pick(rng, ("establishment", "change", "deregistration"), n),
                                               "entity_type": _pick(rng, ("有限责任公司", "个体工商户"), n, 0.1)},
                    "electricity_connections": {"connection_type": _pick(rng, (
                        "low_voltage_non_residential", "low_voltage_residential", "high_voltage"), n),
                        "capacity_kva": _float(rng.gamma(2.0, 50.0, n))},
                    "water_connections": {"pipe_diameter_mm": _float(rng.choice([25.0, 50.0, 100.0], n))},
                    "gas_connections": {"customer_type": _pick(rng, ("industrial", "commercial"), n, 0.1)},
                    "construction_permits": {"project_type": _pick(rng, (
                        "small_social_investment", "general_social_investment", "government_investment"), n),
                        "floor_area_m2": _float(rng.gamma(2.0, 2000.0, n))},
                    "property_transfers": {"property_type": _pick(rng, ("enterprise", "residential"), n),
                                           "property_value": _float(rng.gamma(2.0, 1e6, n))},
                }[code]
                cols.update(extra)
                steps.append(_steps(rng, code, cols["record_id"], cols["region_code"], applied, completed))
        schema = arrow_schema(ds)
        tables[code] = pa.table({f.name: cols[f.name] for f in ds.fields}).cast(schema)
    tables["process_steps"] = pa.concat_tables(steps).cast(arrow_schema(DATASETS["process_steps"]))
    return tables


def _steps(rng, code: str, record_ids: pa.Array, regions: pa.Array, applied: np.ndarray,
           completed: np.ndarray) -> pa.Table:
    n = len(applied)
    counts = rng.integers(1, 7, n)
    total = int(counts.sum())
    owner = np.repeat(np.arange(n), counts)
    step_no = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    length = (completed - applied).astype(np.int64)
    per_step = np.repeat(length // counts, counts)
    start = applied[owner] + ((step_no - 1) * per_step).astype("timedelta64[s]")
    jitter = rng.uniform(0.5, 1.5, total)
    finish = start + (per_step * jitter).astype(np.int64).astype("timedelta64[s]")
    owner_idx = pa.array(owner)
    return pa.table({
        "process": pa.array(np.full(total, code, dtype=object), type=pa.string()),
        "record_id": pc.take(record_ids, owner_idx),
        "region_code": pc.take(regions, owner_idx),
        "step_no": pa.array(step_no.astype(np.int64)),
        "step_name": pc.binary_join_element_wise(pa.scalar("环节"), pa.array(step_no).cast(pa.string()), ""),
        "started_at": _ts(start),
        "finished_at": _ts(finish, rng.random(total) < 0.03),
        "limit_days": _float(rng.choice([1.0, 2.0, 3.0, 5.0], total), rng.random(total) < 0.2),
    })


def write_lake(tables: dict[str, pa.Table], root: Path) -> dict[str, list[Path]]:
    """One Parquet file per dataset under `root` (zstd, like the lake); returns {dataset: [path]}."""
    root.mkdir(parents=True, exist_ok=True)
    files = {}
    for code, table in tables.items():
        path = root / f"{code}.parquet"
        pq.write_table(table, path, compression="zstd")
        files[code] = [path]
    return files


ALL_DATASETS = (*PROCESSES, "process_steps")
