"""Evidence files (佐证材料) attached to an observation."""

from __future__ import annotations

import hashlib

from django.db import transaction

from bizenv.observations.checks import FieldError
from bizenv.observations.models import Evidence, Observation
from bizenv.observations.services.values import _record, actor_is_office, observation_check_write
from bizenv.observations.transitions import observation_ensure_editable
from bizenv.organisations.permissions import actor_user

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".docx": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
    ".zip": b"PK\x03\x04",
    ".ofd": b"PK\x03\x04",
    ".doc": b"\xd0\xcf\x11\xe0",
    ".xls": b"\xd0\xcf\x11\xe0",
}


# ---------------------------------------------------------------- evidence


def evidence_add(*, actor, observation: Observation, filename: str, content: bytes) -> Evidence:
    """Attach a supporting file (佐证材料); the same content twice is kept once."""
    from pathlib import PurePath

    from django.core.files.base import ContentFile

    observation_check_write(actor=actor, indicator=observation.indicator, region=observation.region)
    observation_ensure_editable(observation, as_office=actor_is_office(actor, observation.region))
    name = PurePath(filename or "").name or "未命名文件"
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        allowed = "、".join(sorted({s.lstrip(".").upper() for s in EVIDENCE_TYPES}))
        raise FieldError("佐证材料", f"不支持的文件类型“{suffix or '无扩展名'}”，只能上传 {allowed} 文件。")
    if not content:
        raise FieldError("佐证材料", f"文件“{name}”是空文件。")
    if len(content) > EVIDENCE_MAX_BYTES:
        raise FieldError("佐证材料", f"文件“{name}”大小为 {len(content) / 1048576:.1f} MB，超过 20 MB 的上限。")
    if not content.startswith(EVIDENCE_TYPES[suffix]):
        raise FieldError("佐证材料", f"文件“{name}”的内容与扩展名 {suffix} 不符，可能已损坏或被改名。")
    digest = hashlib.sha256(content).hexdigest()
    existing = observation.evidence.filter(sha256=digest).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        evidence = Evidence(
            observation=observation, original_name=name[:255], sha256=digest, size_bytes=len(content),
            uploaded_by=actor_user(actor),
        )
        evidence.file.save(f"{digest[:16]}{suffix}", ContentFile(content), save=False)
        evidence.save()
        _record(observation, actor=actor, action="evidence_add", old=None,
                new={"evidence": name, "sha256": digest, "size_bytes": len(content)})
    return evidence


def evidence_remove(*, actor, evidence: Evidence) -> None:
    """Detach a supporting file while the value may still be changed."""
    observation = evidence.observation
    observation_check_write(actor=actor, indicator=observation.indicator, region=observation.region)
    observation_ensure_editable(observation, as_office=actor_is_office(actor, observation.region))
    with transaction.atomic():
        old = {"evidence": evidence.original_name, "sha256": evidence.sha256}
        evidence.delete()
        _record(observation, actor=actor, action="evidence_remove", old=old, new={})
