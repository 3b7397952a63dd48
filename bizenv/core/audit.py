"""The hash-chained, append-only audit log: writing entries and verifying the chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bizenv.core.models import AuditLog

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 7_2024_0001  # serialises appends so the chain never forks


def jsonable(value: Any, *, datetime_sep: str = "T") -> Any:
    """The value as plain JSON: sets and tuples as lists, dates in ISO form, Decimals as text, NaN as None.

    ``datetime_sep`` is the date/time separator of datetimes; the raw-record digests were first
    computed with a space and must stay stable, everything else uses the ISO ``T``.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v, datetime_sep=datetime_sep) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, datetime_sep=datetime_sep) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(sep=datetime_sep)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and value != value:
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def actor_user(actor) -> Any:
    """The saved user behind `actor`, for a created_by/updated_by column; None for the system (actor=None)
    or a stand-in that is not a saved user. Apps import it from organisations.permissions."""
    return actor if getattr(actor, "pk", None) else None


def entry_digest(*, prev_hash: str, created_at: datetime, actor_username: str, action: str,
                 object_type: str, object_id: str, object_repr: str, old_values: Any, new_values: Any) -> str:
    """SHA-256 over the previous hash and the canonical JSON of one entry."""
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_username,
            "action": action,
            "type": object_type,
            "id": object_id,
            "repr": object_repr,
            "old": old_values,
            "new": new_values,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def changed_values(old: dict, new: dict) -> tuple[dict, dict]:
    """The keys whose values differ, as (old, new) dictionaries."""
    keys = sorted(set(old) | set(new))
    diff = [k for k in keys if jsonable(old.get(k)) != jsonable(new.get(k))]
    return {k: jsonable(old.get(k)) for k in diff}, {k: jsonable(new.get(k)) for k in diff}


def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
                 object_repr: str = "", old: dict | None = None, new: dict | None = None) -> AuditLog:
    """Append one entry to the chain; must run inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    old_values = jsonable(old) if old is not None else None
    new_values = jsonable(new) if new is not None else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditLog.objects.order_by("-id").values_list("hash", flat=True).first()
        prev_hash = last or GENESIS_HASH
        created_at = timezone.now()
        actor_username = getattr(actor, "username", "") or ("system" if actor is None else str(actor))
        digest = entry_digest(
            prev_hash=prev_hash, created_at=created_at, actor_username=actor_username, action=action,
            object_type=object_type, object_id=str(object_id), object_repr=object_repr,
            old_values=old_values, new_values=new_values,
        )
        return AuditLog.objects.create(
            created_at=created_at, actor=actor_user(actor),
            actor_username=actor_username, action=action, object_type=object_type,
            object_id=str(object_id), object_repr=object_repr, old_values=old_values,
            new_values=new_values, prev_hash=prev_hash, hash=digest,
        )


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify() -> ChainReport:
    """Recompute every hash in order; report edited, inserted or deleted entries."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS_HASH
    prev_id = 0
    count = 0
    for entry in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != prev_hash:
            reason = "与前一条记录的哈希不衔接（前面的记录被删除或篡改）"
            if entry.id != prev_id + 1:
                reason = f"第 {prev_id + 1}–{entry.id - 1} 条记录缺失（被删除）"
            problems.append(ChainProblem(entry.id, reason))
        expected = entry_digest(
            prev_hash=entry.prev_hash, created_at=entry.created_at, actor_username=entry.actor_username,
            action=entry.action, object_type=entry.object_type, object_id=entry.object_id,
            object_repr=entry.object_repr, old_values=entry.old_values, new_values=entry.new_values,
        )
        if expected != entry.hash:
            problems.append(ChainProblem(entry.id, "记录内容与其哈希不符（记录被篡改）"))
        prev_hash = entry.hash
        prev_id = entry.id
    return ChainReport(entries=count, problems=problems)
