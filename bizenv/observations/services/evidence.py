"""Evidence files (佐证材料) attached to an observation."""

from __future__ import annotations

from django.db import transaction

from bizenv.core.errors import ApplicationError
from bizenv.core.uploads import EVIDENCE_KINDS, CheckedUpload, upload_check
from bizenv.observations.checks import FieldError
from bizenv.observations.models import Evidence, Observation
from bizenv.observations.services.values import _record, actor_is_office, observation_check_write
from bizenv.observations.transitions import observation_ensure_editable
from bizenv.organisations.permissions import actor_user

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# The platform's one upload policy (core.uploads): type by content, macros, zip bombs and active PDF content refused.
EVIDENCE_TYPES = {ext: kind for kind in EVIDENCE_KINDS for ext in kind.extensions}


# ---------------------------------------------------------------- evidence


def evidence_check(*, filename: str, content: bytes) -> CheckedUpload:
    """The upload policy's verdict on an evidence file, as a 佐证材料 field error (checked before anything is
    saved, so that a refused file leaves the value unsaved too)."""
    try:
        return upload_check(content=content, filename=filename or "", allowed=EVIDENCE_KINDS,
                            max_bytes=EVIDENCE_MAX_BYTES)
    except ApplicationError as exc:
        raise FieldError("佐证材料", exc.message) from None


def evidence_add(*, actor, observation: Observation, filename: str, content: bytes) -> Evidence:
    """Attach a supporting file (佐证材料); the same content twice is kept once."""
    from django.core.files.base import ContentFile

    observation_check_write(actor=actor, indicator=observation.indicator, region=observation.region)
    observation_ensure_editable(observation, as_office=actor_is_office(actor, observation.region))
    checked = evidence_check(filename=filename, content=content)
    name, suffix = checked.display_name, checked.kind.extension
    digest = checked.sha256
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
