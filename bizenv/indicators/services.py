"""Writes to indicator systems: import, copy, edit, publish; every change atomic and audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from bizenv.core.audit import audit_record, changed_values
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.indicators import selectors
from bizenv.indicators.models import Indicator, IndicatorSystem, SystemVersion, VersionStatus, WeightVariant
from bizenv.indicators.parsing import CODE_PATTERN
from bizenv.indicators.publishing import publish_steps
from bizenv.indicators.specs import (
    INDICATOR_EDITABLE,
    INDICATOR_FIELD_BY_NAME,
    LEAF_ONLY_FIELDS,
    MAX_DEPTH,
    IndicatorSpec,
    Problem,
    SystemSpec,
    VariantSpec,
    direction_infer,
    indicator_canonical,
    system_canonical,
    walk,
)
from bizenv.indicators.transitions import version_ensure_editable, version_transition_check
from bizenv.organisations.models import Department
from bizenv.organisations.permissions import Permission, actor_user, require_actor

SHIPPED_SYSTEMS_DIR = Path(__file__).resolve().parent / "systems"

EDITABLE_FIELDS = INDICATOR_EDITABLE
MAX_PROBLEMS_SHOWN = 200


@dataclass(frozen=True)
class ImportOutcome:
    version: SystemVersion
    created: bool
    published: bool
    publish_reports: tuple = ()

    @property
    def message(self) -> str:
        label = f"{self.version.system.code} 版本 {self.version.version}"
        if self.created:
            return f"已导入 {label}（{'已发布' if self.published else '草稿'}）。"
        if self.published:
            return f"{label} 内容与文件相同，未重复导入；已将其发布。"
        return f"{label} 已存在且内容与文件相同，未做任何修改。"


def _problems_error(message: str, problems: list[Problem]) -> ApplicationError:
    details = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        details.append(f"……另有 {len(problems) - MAX_PROBLEMS_SHOWN} 处问题未列出")
    return ApplicationError(message, code=ErrorCode.INVALID, details=details)


def _indicator_snapshot(indicator: Indicator) -> dict:
    node = selectors.indicator_spec(indicator)
    return indicator_canonical(node, indicator.parent.code if indicator.parent_id else None, indicator.level)


def _departments(codes: list[str]) -> list[Department]:
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def _write_node(
    version: SystemVersion, node: IndicatorSpec, parent: Indicator | None, level: int, sort_order: int
) -> Indicator:
    indicator = Indicator.objects.create(
        version=version,
        parent=parent,
        code=node.code,
        name=node.name,
        level=level,
        sort_order=sort_order,
        weight=node.weight,
        optional=node.optional,
        unit=node.unit,
        direction=node.direction or "",
        definition=node.definition,
        remarks=node.remarks,
        source_kind=node.source_kind or "",
        cycle=node.cycle or "",
        best=node.best,
        worst=node.worst,
        transform_power=node.transform_power,
        external_ref=node.external_ref,
    )
    if node.lead_departments:
        indicator.lead_departments.set(_departments(node.lead_departments))
    if node.responsible_departments:
        indicator.responsible_departments.set(_departments(node.responsible_departments))
    WeightVariant.objects.bulk_create(
        [
            WeightVariant(indicator=indicator, conditions=dict(v.when), weight=v.weight, sort_order=i)
            for i, v in enumerate(node.weight_variants)
        ]
    )
    return indicator


def _write_tree(version: SystemVersion, spec: SystemSpec) -> int:
    rows: dict[int, Indicator] = {}
    count = 0
    for order, (node, parent, level) in enumerate(walk(spec.indicators)):
        rows[id(node)] = _write_node(
            version, node, rows[id(parent)] if parent is not None else None, level, order
        )
        count += 1
    return count


def _version_snapshot(version: SystemVersion) -> dict:
    return {
        "system": version.system.code,
        "version": version.version,
        "status": version.status,
        "name": version.name,
        "description": version.description,
        "based_on": version.based_on.version if version.based_on_id else None,
    }


# ------------------------------------------------------------------------------------------------ import


@transaction.atomic
def indicator_system_import(*, actor, content: bytes, filename: str, publish: bool = False) -> ImportOutcome:
    """Import a YAML or Excel file as a new draft version (all or nothing); identical content is a no-op."""
    require_actor(actor, Permission.EDIT_INDICATORS)
    if publish:
        require_actor(actor, Permission.PUBLISH_INDICATORS)
    spec, problems = selectors.file_problems(content=content, filename=filename)
    if problems or spec is None:
        raise _problems_error(f"文件“{filename}”有 {len(problems)} 处问题，未导入任何内容：", problems)
    system = IndicatorSystem.objects.select_for_update().filter(code=spec.code).first()
    if system is not None:
        existing = system.versions.filter(version=spec.version).select_related("system").first()
        if existing is not None:
            if system_canonical(selectors.version_spec(version=existing)) != system_canonical(spec):
                raise ApplicationError(
                    f"指标体系 {spec.code} 的版本 {spec.version} 已存在且内容不同。请在文件中改用新的版本号"
                    f"（version），或在页面上基于现有版本新建版本后修改。",
                    code=ErrorCode.CONFLICT,
                )
            if publish and existing.status == VersionStatus.DRAFT:
                existing = system_version_publish(actor=actor, version=existing)
                return ImportOutcome(existing, created=False, published=True,
                                     publish_reports=tuple(existing.publish_reports))
            return ImportOutcome(existing, created=False, published=False)
    else:
        system = IndicatorSystem.objects.create(code=spec.code, name=spec.name, description=spec.description)
        audit_record(
            actor=actor,
            action="indicator_system.create",
            obj=system,
            new={"code": system.code, "name": system.name, "description": system.description},
        )
    version = SystemVersion.objects.create(
        system=system,
        version=spec.version,
        name=spec.name,
        description=spec.description,
        carry_over=dict(spec.carry_over),
        based_on=selectors.active_version(system_code=system.code),
        created_by=actor_user(actor),
    )
    count = _write_tree(version, spec)
    audit_record(
        actor=actor,
        action="system_version.import",
        obj=version,
        new={**_version_snapshot(version), "file": filename, "indicators": count},
    )
    reports: tuple = ()
    if publish:
        version = system_version_publish(actor=actor, version=version)
        reports = tuple(version.publish_reports)
    return ImportOutcome(version, created=True, published=publish, publish_reports=reports)


@transaction.atomic
def indicator_systems_load_shipped(*, actor, directory: Path | None = None) -> list[SystemVersion]:
    """Import and publish every shipped system file (bizenv/indicators/systems/*.yaml); safe to run again."""
    versions = []
    for path in sorted((directory or SHIPPED_SYSTEMS_DIR).glob("*.yaml")):
        outcome = indicator_system_import(
            actor=actor, content=path.read_bytes(), filename=path.name, publish=True
        )
        versions.append(outcome.version)
    return versions


# ----------------------------------------------------------------------------------------- copy, publish


@transaction.atomic
def system_version_copy(
    *, actor, source: SystemVersion, version: str, name: str = "", description: str | None = None
) -> SystemVersion:
    """A new draft version holding a copy of `source`'s whole tree (weights, variants, departments)."""
    require_actor(actor, Permission.EDIT_INDICATORS)
    label = (version or "").strip()
    if not label:
        raise ApplicationError("请填写新版本号。")
    if len(label) > 30:
        raise ApplicationError("版本号不能超过 30 个字符。")
    if SystemVersion.objects.filter(system=source.system, version=label).exists():
        raise ApplicationError(
            f"指标体系 {source.system.code} 已有版本 {label}，请换一个版本号。", code=ErrorCode.CONFLICT
        )
    spec = selectors.version_spec(version=source)
    new_version = SystemVersion.objects.create(
        system=source.system,
        version=label,
        name=(name or "").strip() or source.name,
        description=source.description if description is None else description.strip(),
        based_on=source,
        created_by=actor_user(actor),
    )
    count = _write_tree(new_version, spec)
    audit_record(
        actor=actor,
        action="system_version.copy",
        obj=new_version,
        new={**_version_snapshot(new_version), "indicators": count},
    )
    return new_version


@transaction.atomic
def system_version_publish(*, actor, version: SystemVersion) -> SystemVersion:
    """Publish a draft after validating the whole tree; from then on it never changes.

    The registered publishing steps then run in the same transaction (observations carry over from the
    version it replaces); their reports are left on the returned version as `publish_reports`."""
    require_actor(actor, Permission.PUBLISH_INDICATORS)
    version = SystemVersion.objects.select_for_update().select_related("system").get(pk=version.pk)
    version_transition_check(version, VersionStatus.PUBLISHED)
    problems = selectors.version_problems(version=version)
    if problems:
        raise _problems_error(f"版本 {version.version} 有 {len(problems)} 处问题，不能发布：", problems)
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor_user(actor)
    version.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        action="system_version.publish",
        obj=version,
        old={"status": VersionStatus.DRAFT.value},
        new={"status": VersionStatus.PUBLISHED.value, "published_at": version.published_at},
    )
    version.publish_reports = [step.apply(actor=actor, target=version) for step in publish_steps()]
    return version


@transaction.atomic
def system_version_carry_over_set(*, actor, version: SystemVersion, mapping: dict[str, str]) -> SystemVersion:
    """Set which code of the replaced version each renamed indicator of a draft takes its values from."""
    require_actor(actor, Permission.PUBLISH_INDICATORS)
    version = _locked_version(version)
    codes = set(version.indicators.values_list("code", flat=True))
    unknown = sorted(code for code in mapping if code not in codes)
    if unknown:
        raise ApplicationError(f"编码对应中的新编码不在本版本中：{'、'.join(unknown)}")
    bad = sorted(f"{new} ← {old}" for new, old in mapping.items() if not CODE_PATTERN.match(old or ""))
    if bad:
        raise ApplicationError(f"编码对应中的旧编码无效：{'、'.join(bad)}")
    old, new = dict(version.carry_over or {}), dict(sorted(mapping.items()))
    if old == new:
        return version
    version.carry_over = new
    version.save(update_fields=["carry_over"])
    audit_record(actor=actor, action="system_version.carry_over", obj=version, old={"carry_over": old},
                 new={"carry_over": new})
    return version


# ------------------------------------------------------------------------------------------- edit a draft


def _locked_version(version: SystemVersion) -> SystemVersion:
    version = SystemVersion.objects.select_for_update().select_related("system").get(pk=version.pk)
    version_ensure_editable(version)
    return version


def _find(spec: SystemSpec, code: str) -> tuple[IndicatorSpec, IndicatorSpec | None, int]:
    for node, parent, level in walk(spec.indicators):
        if node.code == code:
            return node, parent, level
    raise ApplicationError(f"指标 {code} 不存在。", code=ErrorCode.NOT_FOUND)


def _apply(node: IndicatorSpec, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        kind = INDICATOR_FIELD_BY_NAME[name].kind
        if kind == "variants":
            value = [
                v
                if isinstance(v, VariantSpec)
                else VariantSpec(when=dict(v["when"]), weight=float(v["weight"]))
                for v in value or []
            ]
        elif kind == "departments":
            value = [str(c).strip() for c in value or [] if str(c).strip()]
        elif kind == "number" and value is not None:
            value = float(value)
        elif kind in ("text", "choice"):
            value = (value or "").strip()
        elif kind == "flag":
            value = bool(value)
        setattr(node, name, value)
    node.direction = direction_infer(node.direction, node.best, node.worst)


def _check_draft_tree(spec: SystemSpec, problems_for: str) -> None:
    problems = selectors.spec_problems(spec, complete=False)
    if problems:
        raise _problems_error(f"{problems_for}有 {len(problems)} 处问题，未保存：", problems)


def _save_fields(indicator: Indicator, node: IndicatorSpec) -> None:
    for name in EDITABLE_FIELDS:
        kind = INDICATOR_FIELD_BY_NAME[name].kind
        if kind in ("number", "flag"):
            setattr(indicator, name, getattr(node, name))
        elif kind in ("text", "choice"):
            setattr(indicator, name, getattr(node, name) or "")
    indicator.save()
    indicator.lead_departments.set(_departments(node.lead_departments or []))
    indicator.responsible_departments.set(_departments(node.responsible_departments or []))
    indicator.weight_variants.all().delete()
    WeightVariant.objects.bulk_create(
        [
            WeightVariant(indicator=indicator, conditions=dict(v.when), weight=v.weight, sort_order=i)
            for i, v in enumerate(node.weight_variants)
        ]
    )


def _reload(indicator: Indicator) -> Indicator:
    return (
        Indicator.objects.select_related("parent", "version", "version__system")
        .prefetch_related("lead_departments", "responsible_departments", "weight_variants")
        .get(pk=indicator.pk)
    )


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, **changes: Any) -> Indicator:
    """Change an indicator of a draft; the draft tree is validated before anything is saved."""
    require_actor(actor, Permission.EDIT_INDICATORS)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"不能修改字段：{'、'.join(sorted(unknown))}")
    version = _locked_version(indicator.version)
    indicator = _reload(indicator)
    spec = selectors.version_spec(version=version)
    node, _parent, _level = _find(spec, indicator.code)
    _apply(node, changes)
    _check_draft_tree(spec, f"指标 {indicator.code} ")
    before = _indicator_snapshot(indicator)
    _save_fields(indicator, node)
    after = _indicator_snapshot(_reload(indicator))
    old, new = changed_values(before, after)
    if new:
        audit_record(
            actor=actor,
            action="indicator.update",
            obj=indicator,
            object_repr=f"{version} {indicator}",
            old=old,
            new=new,
        )
    return _reload(indicator)


@transaction.atomic
def indicator_create(
    *, actor, version: SystemVersion, parent: Indicator | None, code: str, name: str, **fields: Any
) -> Indicator:
    """Add an indicator under `parent` (or at level 1) in a draft; a leaf parent loses its scoring fields."""
    require_actor(actor, Permission.EDIT_INDICATORS)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"未知字段：{'、'.join(sorted(unknown))}")
    version = _locked_version(version)
    code = (code or "").strip()
    if not code or not CODE_PATTERN.match(code) or len(code) > 100:
        raise ApplicationError(
            "指标编码只能由字母、数字和 - _ . 组成，以字母或数字开头，且不超过 100 个字符。"
        )
    if version.indicators.filter(code=code).exists():
        raise ApplicationError(f"编码 {code} 在本版本中已被使用，请换一个编码。", code=ErrorCode.CONFLICT)
    level = 1 if parent is None else parent.level + 1
    if level > MAX_DEPTH:
        raise ApplicationError(f"指标层级不能超过 {MAX_DEPTH} 级：{parent.code} 已是第 {parent.level} 级。")
    if parent is not None and parent.version_id != version.pk:
        raise ApplicationError("上级指标不属于该版本。")
    spec = selectors.version_spec(version=version)
    parent_node = _find(spec, parent.code)[0] if parent is not None else None
    inherited = (
        {
            name: getattr(parent_node, name)
            for name in ("lead_departments", "responsible_departments", "source_kind", "cycle")
        }
        if parent_node
        else {}
    )
    node = IndicatorSpec(
        code=code, name=name, **{k: (list(v) if isinstance(v, list) else v) for k, v in inherited.items()}
    )
    _apply(node, fields)
    cleared: dict[str, Any] = {}
    if parent_node is not None:
        if parent_node.is_leaf:
            cleared = {
                f: getattr(parent_node, f)
                for f in LEAF_ONLY_FIELDS
                if getattr(parent_node, f) not in (None, "")
            }
            for name_ in LEAF_ONLY_FIELDS:
                setattr(parent_node, name_, "" if name_ == "direction" else None)
        parent_node.children.append(node)
    else:
        spec.indicators.append(node)
    _check_draft_tree(spec, f"新指标 {code} ")
    last = version.indicators.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    if parent is not None and cleared:
        parent = _reload(parent)
        before = _indicator_snapshot(parent)
        Indicator.objects.filter(pk=parent.pk).update(
            direction="", best=None, worst=None, transform_power=None
        )
        old, new = changed_values(before, _indicator_snapshot(_reload(parent)))
        audit_record(
            actor=actor,
            action="indicator.update",
            obj=parent,
            object_repr=f"{version} {parent}",
            old=old,
            new=new,
        )
    indicator = _write_node(version, node, parent, level, last + 1)
    audit_record(
        actor=actor,
        action="indicator.create",
        obj=indicator,
        object_repr=f"{version} {indicator}",
        new=_indicator_snapshot(_reload(indicator)),
    )
    return _reload(indicator)


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator) -> None:
    """Remove an indicator and everything below it from a draft."""
    require_actor(actor, Permission.EDIT_INDICATORS)
    version = _locked_version(indicator.version)
    indicator = _reload(indicator)
    removed = [indicator.code]
    frontier = [indicator.pk]
    while frontier:
        children = list(Indicator.objects.filter(parent_id__in=frontier).values_list("pk", "code"))
        removed += [c for _pk, c in children]
        frontier = [pk for pk, _c in children]
    snapshot = _indicator_snapshot(indicator)
    indicator.delete()
    audit_record(
        actor=actor,
        action="indicator.delete",
        object_type="indicators.indicator",
        object_id=str(snapshot["code"]),
        object_repr=f"{version} {snapshot['code']} {snapshot['name']}",
        old={**snapshot, "removed_codes": removed},
    )
