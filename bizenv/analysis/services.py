"""Writes of the analysis app: the shipped best-practice values (最佳指标), loaded idempotently and audited."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from bizenv.analysis.models import BenchmarkValue
from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError
from bizenv.organisations.permissions import Permission, require_actor

SHIPPED_BENCHMARKS = Path(__file__).resolve().parent / "data" / "benchmarks.yaml"
_FIELDS = ("cities", "value", "unit", "year", "note")


def benchmark_rows(text: str) -> list[dict]:
    """The benchmark file as one dict per (indicator, figure); raises ApplicationError on a malformed file."""
    try:
        data = yaml.safe_load(text) or {}
        source, year = str(data["source"]), data.get("year")
        rows = []
        for topic in data["topics"]:
            for item in topic["values"]:
                note = f"原文：{item['text']}" + (f"；{topic['note']}" if topic.get("note") else "")
                for code in item["indicators"]:
                    rows.append({"indicator_code": str(code), "cities": str(topic["cities"]),
                                 "value": float(item["value"]), "unit": str(item.get("unit", "")),
                                 "source": source, "year": int(year) if year is not None else None,
                                 "note": note})
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ApplicationError(f"最佳指标文件格式有误：{exc}") from None
    return rows


@transaction.atomic
def benchmarks_load_shipped(*, actor, path: Path | None = None) -> dict[str, int]:
    """Create or update the shipped best-practice values; unchanged rows write nothing. Returns counts."""
    require_actor(actor, Permission.EDIT_INDICATORS)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in benchmark_rows((path or SHIPPED_BENCHMARKS).read_text(encoding="utf-8")):
        key = {"indicator_code": row["indicator_code"], "source": row["source"]}
        existing = BenchmarkValue.objects.select_for_update().filter(**key).first()
        new = {k: row[k] for k in _FIELDS}
        if existing is None:
            created = BenchmarkValue.objects.create(**key, **new)
            audit_record(actor=actor, action="benchmark_value.create", obj=created, new={**key, **new})
            counts["created"] += 1
            continue
        old = {k: getattr(existing, k) for k in _FIELDS}
        if old == new:
            counts["unchanged"] += 1
            continue
        for k, v in new.items():
            setattr(existing, k, v)
        existing.save()
        changed = [k for k in _FIELDS if old[k] != new[k]]
        audit_record(actor=actor, action="benchmark_value.update", obj=existing,
                     old={k: old[k] for k in changed}, new={k: new[k] for k in changed})
        counts["updated"] += 1
    return counts
