"""Columns and tables: the drawn cases as Arrow tables of each dataset, with the rule-breaking rows; `generate`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bizenv.core import clock
from bizenv.datasets.catalog import DATASETS, Dataset
from bizenv.datasets.demo_records.cases import (
    _Cases,
    _draw_cases,
    _finish,
    _pick,
    _process_quality,
    _Regions,
    _regions,
    _simulate,
    _templates,
)
from bizenv.datasets.demo_records.days import _Calendar, _calendar, _covered, _month_start, _next_month
from bizenv.datasets.demo_records.profiles import (
    BAD_ROW_SHARE,
    CLOSE,
    ENTITY_TYPES,
    ONLINE,
    OPEN,
    PREFIX,
    SERVICE_ITEMS,
    STEPS,
    UNKNOWN_REGION,
    conforming_schema,
)

# ---------------------------------------------------------------------------------------------------
# Columns and tables


@dataclass
class _Col:
    """A column on its way to Arrow: values with a validity mask; strings as indices into `labels`."""

    values: np.ndarray
    valid: np.ndarray
    labels: list[str] | None = None


def _col(values, valid=None, labels=None) -> _Col:
    values = np.array(values)  # a copy: breaking rules in a column must not touch the arrays it came from
    return _Col(values, np.ones(len(values), bool) if valid is None else np.asarray(valid, bool), labels)


def _timestamps(cal: _Calendar, day: np.ndarray, tod: np.ndarray) -> _Col:
    valid = day < cal.horizon
    return _col(cal.epoch[np.where(valid, day, 0)] + tod, valid)


def _arrow(field_type: pa.DataType, col) -> pa.Array:
    if isinstance(col, pa.Array):
        return col
    mask = ~col.valid
    if col.labels is not None:
        indices = pa.array(np.where(col.valid, col.values, 0).astype(np.int32), mask=mask)
        return pa.DictionaryArray.from_arrays(indices, pa.array(col.labels, pa.string())).dictionary_decode()
    return pa.array(col.values, type=field_type, mask=mask)


def _table(dataset: Dataset, cols: dict) -> pa.Table:
    schema = conforming_schema(dataset)
    return pa.Table.from_arrays([_arrow(f.type, cols[f.name]) for f in schema], schema=schema)


def _record_ids(prefix: str, regions: _Regions, months: Sequence[str], cases: _Cases) -> pa.Array:
    region = pa.DictionaryArray.from_arrays(pa.array(cases.region.astype(np.int32)),
                                            pa.array(regions.codes)).dictionary_decode()
    month = pa.DictionaryArray.from_arrays(pa.array(cases.month.astype(np.int32)),
                                           pa.array([m.replace("-", "") for m in months])).dictionary_decode()
    seq = pc.utf8_lpad(pc.cast(pa.array(cases.seq), pa.string()), width=5, padding="0")
    return pc.binary_join_element_wise(prefix, region, month, seq, "")


def _region_col(regions: _Regions, cases: _Cases) -> _Col:
    return _col(cases.region, labels=[*regions.codes, UNKNOWN_REGION])


def _break_rules(rng, cols: dict, rules: Sequence[tuple], n: int) -> None:
    """Make about 0.1 % of the rows (at least one) break one rule each, in place."""
    if n == 0:
        return
    rows = rng.choice(n, size=max(1, round(n * BAD_ROW_SHARE)), replace=False)
    kinds = rng.integers(0, len(rules), rows.size)
    for index, (rule, *fields) in enumerate(rules):
        sel = rows[kinds == index]
        if rule == "backwards":
            start, end = cols[fields[0]], cols[fields[1]]
            end.values[sel] = start.values[sel] - rng.integers(3600, 3 * 86_400, sel.size)
            end.valid[sel] = start.valid[sel]
        elif rule == "unknown_region":
            region = cols["region_code"]
            region.values[sel] = len(region.labels) - 1
        elif rule == "negative":
            col = cols[fields[0]]
            magnitude = np.abs(np.nan_to_num(col.values[sel]))
            col.values[sel] = -np.where(magnitude > 0, magnitude, rng.integers(10, 500, sel.size))
            col.valid[sel] = True
        elif rule == "missing":
            cols[fields[0]].valid[sel] = False
        else:  # pragma: no cover - a typo in a rules table
            raise ValueError(rule)


CASE_RULES = (("backwards", "applied_at", "completed_at"), ("unknown_region",), ("negative", "cost"),
              ("missing", "channel"))


def _online(rng, ds: str, cases: _Cases, n_months: int) -> np.ndarray:
    base, rise = ONLINE[ds]
    share = base + rise * cases.month / max(n_months - 1, 1) + 0.2 * (cases.quality - 0.5)
    return rng.random(len(cases)) < np.clip(share, 0.02, 0.98)


def _round_to(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(values / step) * step


def _costs(rng, ds: str, code: np.ndarray, q: np.ndarray, extra: dict) -> np.ndarray:
    """Fees the enterprise pays (元), by dataset and type; better regions charge less or nothing."""
    n = len(q)
    cost = np.zeros(n)
    if ds == "business_registrations":
        # free seals (政府买单刻章) in most good regions; a seal set costs a few hundred yuan elsewhere
        paid = (code == "establishment") & (rng.random(n) > np.clip(0.25 + 0.9 * q, 0.0, 1.0))
        cost = np.where(paid, _round_to(rng.uniform(150, 420, n), 10), 0.0)
    elif ds == "electricity_connections":
        p = np.select([code == "high_voltage", code == "low_voltage_non_residential"],
                      [0.2 + 0.6 * (1 - q), 0.6 * (1 - q) ** 2], 0.0)
        amount = np.where(code == "high_voltage", rng.lognormal(np.log(80_000), 0.6, n),
                          rng.lognormal(np.log(6_000), 0.5, n))
        cost = np.where(rng.random(n) < p, _round_to(amount, 100), 0.0)
    elif ds in ("water_connections", "gas_connections"):
        median = np.where(code == "industrial", 25_000, 6_000 if ds == "gas_connections" else 4_000)
        cost = np.where(rng.random(n) < 0.7 * (1 - q) ** 1.5,
                        _round_to(rng.lognormal(np.log(median), 0.5, n), 50), 0.0)
    elif ds == "construction_permits":
        rate = np.where(code == "small_social_investment", 5.0, 25.0) * (0.4 + 1.2 * (1 - q))
        cost = _round_to(extra["floor_area_m2"] * rate * rng.lognormal(0, 0.2, n), 1)
        cost = np.where((code == "small_social_investment") & (q > 0.75), 0.0, cost)
    elif ds == "property_transfers":
        value = extra["property_value"]
        fee = np.where(code == "enterprise", 550.0, 80.0)
        tax = np.where(code == "enterprise", 0.0305, 0.015)
        agency = np.where(rng.random(n) < 0.5 * (1 - q), value * rng.uniform(0.001, 0.005, n), 0.0)
        cost = np.round(fee + value * tax + agency, 2)
    return cost


def _case_dataset(rng, ds: str, cal: _Calendar, regions: _Regions, months: Sequence[str], scale: float,
                  step_names: list[str]):
    field_name, variants = STEPS[ds]
    t = _templates(variants, step_names)
    quality = _process_quality(rng, regions)
    eligible = regions.gas.astype(float) if ds == "gas_connections" else None
    cases = _draw_cases(rng, ds, cal, regions, quality, scale, eligible)
    n = len(cases)
    variant = _pick(rng, t.share, n)
    online = _online(rng, ds, cases, len(months))
    steps, done_day, done_tod = _simulate(rng, cal, cases, t, variant, online)
    code = np.array(t.codes, dtype=object)[variant]

    extra: dict[str, np.ndarray] = {}
    cols: dict = {}
    if ds == "business_registrations":
        labels = [name for name, _ in ENTITY_TYPES]
        cols["entity_type"] = _col(_pick(rng, [w for _, w in ENTITY_TYPES], n), rng.random(n) > 0.03, labels)
        # changes and deregistrations have no entity type to choose
        cols["entity_type"].valid &= code == "establishment"
    elif ds == "electricity_connections":
        kva = np.select([code == "high_voltage", code == "low_voltage_residential"],
                        [_round_to(rng.lognormal(np.log(800), 0.6, n), 5), rng.choice([8.0, 10.0, 16.0, 20.0], n)],
                        _round_to(rng.lognormal(np.log(60), 0.6, n), 1))
        cols["capacity_kva"] = _col(kva)
    elif ds == "water_connections":
        cols["pipe_diameter_mm"] = _col(rng.choice([20.0, 25.0, 32.0, 40.0, 50.0, 80.0, 100.0, 150.0], n,
                                                   p=[0.2, 0.25, 0.15, 0.12, 0.12, 0.08, 0.05, 0.03]))
    elif ds == "construction_permits":
        area = np.select([code == "small_social_investment", code == "general_social_investment"],
                         [rng.uniform(300, 2000, n), rng.lognormal(np.log(12_000), 0.8, n)],
                         rng.lognormal(np.log(8_000), 0.9, n))
        extra["floor_area_m2"] = np.round(area, 1)
        cols["floor_area_m2"] = _col(extra["floor_area_m2"])
    elif ds == "property_transfers":
        value = np.where(code == "enterprise", rng.lognormal(np.log(1_500_000), 0.8, n),
                         rng.lognormal(np.log(900_000), 0.5, n))
        extra["property_value"] = _round_to(value, 100)
        cols["property_value"] = _col(extra["property_value"])
    if field_name is not None:
        cols[field_name] = _col(variant, labels=list(t.codes))

    cols.update({
        "record_id": _record_ids(PREFIX[ds], regions, months, cases),
        "region_code": _region_col(regions, cases),
        "channel": _col(np.where(online, 0, 1), labels=["online", "counter"]),
        "applied_at": _timestamps(cal, cases.day, cases.tod),
        "completed_at": _timestamps(cal, done_day, done_tod),
        "cost": _col(_costs(rng, ds, code, cases.quality, extra)),
    })
    _break_rules(rng, cols, CASE_RULES, n)
    return _table(DATASETS[ds], cols), steps, cols["record_id"], cases


def _service_cases(rng, cal: _Calendar, regions: _Regions, months: Sequence[str], scale: float) -> pa.Table:
    ds = "service_cases"
    quality = _process_quality(rng, regions)
    cases = _draw_cases(rng, ds, cal, regions, quality, scale)
    n, q = len(cases), cases.quality
    item = _pick(rng, [i[4] for i in SERVICE_ITEMS], n)
    statutory = np.array([i[2] for i in SERVICE_ITEMS], float)[item]
    promised = np.array([i[3] for i in SERVICE_ITEMS], float)[item]
    online = _online(rng, ds, cases, len(months))
    slow = cal.slow[cases.day]
    mean = promised * (0.25 + 0.9 * (1.0 - q)) * slow * np.where(online, 0.85, 1.0)
    k = np.minimum(np.floor(rng.gamma(2.0, 1.0, n) * mean / 2.0 + 0.3), statutory).astype(np.int64)
    over = rng.random(n) < 0.005 + 0.15 * (1.0 - q) ** 3 * slow
    k = np.where(over, statutory.astype(np.int64) + 1 + rng.poisson(2 + 6 * (1.0 - q)), k)
    done_day, done_tod = _finish(rng, cases.day, cases.tod, k, q)
    cols = {
        "record_id": _record_ids(PREFIX[ds], regions, months, cases),
        "region_code": _region_col(regions, cases),
        "department_code": _col(item, labels=[i[1] for i in SERVICE_ITEMS]),
        "item_name": _col(item, labels=[i[0] for i in SERVICE_ITEMS]),
        "channel": _col(np.where(online, 0, 1), labels=["online", "counter"]),
        "applied_at": _timestamps(cal, cases.day, cases.tod),
        "completed_at": _timestamps(cal, done_day, done_tod),
        "statutory_limit_days": _col(statutory),
        "promised_limit_days": _col(promised, rng.random(n) > 0.05),
    }
    rules = (("backwards", "applied_at", "completed_at"), ("unknown_region",), ("negative", "statutory_limit_days"),
             ("missing", "item_name"))
    _break_rules(rng, cols, rules, n)
    return _table(DATASETS[ds], cols)


def _tenders(rng, cal: _Calendar, regions: _Regions, months: Sequence[str], scale: float) -> pa.Table:
    ds = "tenders"
    quality = _process_quality(rng, regions)
    cases = _draw_cases(rng, ds, cal, regions, quality, scale)
    n, q = len(cases), cases.quality
    kinds = ["construction", "goods", "services"]
    kind = _pick(rng, [0.45, 0.3, 0.25], n)
    t = cases.month / max(len(months) - 1, 1)
    # at least 20 days between the notice and the deadline (招标投标法), opening at 9:30 on a working day
    calendar_days = 20 + rng.poisson(np.where(kind == 0, 4, 2))
    deadline_date = cal.days[np.minimum(cases.day, cal.horizon - 1)] + calendar_days.astype("timedelta64[D]")
    deadline_day = np.searchsorted(cal.days, deadline_date)
    deadline_day = np.where(cases.day < cal.horizon, deadline_day, cal.horizon)
    award_day = deadline_day + 1 + rng.poisson(1.0 + 4.0 * (1.0 - q))
    award_tod = rng.integers(OPEN, CLOSE, n)
    awarded = award_day < cal.horizon

    bidders = 1 + rng.poisson(np.array([6.0, 4.0, 3.0])[kind] * (0.6 + 0.8 * q))
    non_local = np.clip(0.15 + 0.35 * q + 0.1 * t, 0.02, 0.9)
    winner_local = rng.random(n) >= non_local
    deposit = rng.random(n) < np.clip(0.75 - 0.45 * t - 0.2 * q, 0.05, 0.95)
    refund = np.maximum(1.0, np.floor(rng.gamma(2.0, 1.0, n) * (1.5 + 4.0 * (1.0 - q)) / 2.0 + 1))
    refund_day = award_day + refund.astype(np.int64)
    amount = _round_to(rng.lognormal(np.log(np.array([3_000_000, 500_000, 300_000])[kind]), 0.9), 100)
    cols = {
        "record_id": _record_ids(PREFIX[ds], regions, months, cases),
        "region_code": _region_col(regions, cases),
        "project_type": _col(kind, labels=kinds),
        "published_at": _timestamps(cal, cases.day, cases.tod),
        "bid_deadline_at": _timestamps(cal, deadline_day, np.full(n, 9 * 3600 + 1800)),
        "awarded_at": _timestamps(cal, award_day, award_tod),
        "bidder_count": _col(bidders),
        "winner_local": _col(winner_local, awarded),
        "deposit_required": _col(deposit),
        "deposit_refund_days": _col(refund, deposit & (refund_day < cal.horizon)),
        "amount": _col(amount, awarded),
    }
    rules = (("backwards", "published_at", "bid_deadline_at"), ("unknown_region",), ("negative", "amount"),
             ("missing", "bidder_count"))
    _break_rules(rng, cols, rules, n)
    return _table(DATASETS[ds], cols)


def generate(*, regions: Sequence[Mapping], months: Sequence[str], seed: int = 2026, scale_factor: float = 1.0,
             as_of: dt.date | None = None, best: str | None = None,
             worsening: str | None = None) -> dict[str, pa.Table]:
    """Raw records of every catalogue dataset for `regions` over `months` ('YYYY-MM', consecutive).

    `regions` are the places where cases are handled (county, district, zone), each a mapping with
    code, name, level, has_pipeline_gas, population and peer_group. `as_of` is when the data were
    extracted: nothing happens on or after it (default: the earlier of today and the first day of the
    second month after the last month). `best` and `worsening` are region codes (default: the first
    district, and the second county by code).
    """
    if not regions or not months:
        raise ValueError("示范数据需要至少一个区域和一个月份")
    last = _month_start(months[-1])
    if as_of is None:
        as_of = min(clock.today(), _next_month(_next_month(last)))
    year = as_of.year
    while not _covered(year) and year > last.year:
        year -= 1
    as_of = min(as_of, dt.date(year + 1, 1, 1))
    if as_of <= last:
        raise ValueError(f"数据截止日 {as_of} 须晚于最后一个月份 {months[-1]}")

    root = np.random.SeedSequence(seed)
    names = ["regions", *DATASETS]
    streams = dict(zip(names, (np.random.default_rng(s) for s in root.spawn(len(names))), strict=True))
    cal = _calendar(months, as_of)
    region_info = _regions(streams["regions"], regions, len(months), best, worsening)

    tables: dict[str, pa.Table] = {}
    step_names: list[str] = []
    step_parts = []
    for ds in STEPS:
        table, steps, record_ids, cases = _case_dataset(streams[ds], ds, cal, region_info, months, scale_factor,
                                                        step_names)
        tables[ds] = table
        step_parts.append((ds, steps, record_ids, cases))
    tables["service_cases"] = _service_cases(streams["service_cases"], cal, region_info, months, scale_factor)
    tables["tenders"] = _tenders(streams["tenders"], cal, region_info, months, scale_factor)
    tables["process_steps"] = _steps_table(streams["process_steps"], cal, region_info, step_parts,
                                           step_names)
    return {code: tables[code] for code in DATASETS}


def _steps_table(rng, cal: _Calendar, regions: _Regions, parts, step_names: list[str]) -> pa.Table:
    processes = [ds for ds, *_ in parts]
    process, record_ids, region = [], [], []
    arrays: dict[str, list[np.ndarray]] = {k: [] for k in ("step_no", "name", "start_day", "start_tod", "end_day",
                                                             "end_tod", "limit")}
    for ds, steps, ids, cases in parts:
        process.append(np.full(len(steps.case), processes.index(ds)))
        record_ids.append(ids.take(pa.array(steps.case)))
        region.append(cases.region[steps.case])
        for key in arrays:
            arrays[key].append(getattr(steps, key))
    flat = {k: np.concatenate(v) for k, v in arrays.items()}
    limit = flat["limit"]
    cols = {
        "process": _col(np.concatenate(process), labels=processes),
        "record_id": pa.concat_arrays(record_ids),
        "region_code": _col(np.concatenate(region), labels=[*regions.codes, UNKNOWN_REGION]),
        "step_no": _col(flat["step_no"]),
        "step_name": _col(flat["name"], labels=step_names),
        "started_at": _timestamps(cal, flat["start_day"], flat["start_tod"]),
        "finished_at": _timestamps(cal, flat["end_day"], flat["end_tod"]),
        "limit_days": _col(np.nan_to_num(limit), ~np.isnan(limit)),
    }
    _break_rules(rng, cols, (("backwards", "started_at", "finished_at"), ("missing", "step_name")),
                 len(flat["step_no"]))
    return _table(DATASETS["process_steps"], cols)
