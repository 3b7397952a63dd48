"""Reads of indicator systems and their trees."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet

from bizenv.indicators.comparison import VersionComparison, compare_specs
from bizenv.indicators.models import Indicator, IndicatorSystem, SystemVersion, VersionStatus, WeightVariant
from bizenv.indicators.parsing import parse_file
from bizenv.indicators.specs import IndicatorSpec, Location, Problem, SystemSpec, VariantSpec
from bizenv.indicators.validation import validate_system
from bizenv.indicators.weights import effective_weights, variant_conditions
from bizenv.organisations.models import Department, Region

DEFAULT_SYSTEM_CODE = getattr(settings, "BIZENV_DEFAULT_SYSTEM", "BIZENV-CN")


def active_version(*, system_code: str = DEFAULT_SYSTEM_CODE) -> SystemVersion | None:
    """The most recently published version of a system (what pages and evaluations use)."""
    return (
        SystemVersion.objects.filter(system__code=system_code, status=VersionStatus.PUBLISHED)
        .select_related("system")
        .order_by("-published_at", "-id")
        .first()
    )


def topic_list(*, system_code: str = DEFAULT_SYSTEM_CODE) -> list[Indicator]:
    """First-level indicators of the active system, in order: one topic page each."""
    version = active_version(system_code=system_code)
    if version is None:
        return []
    return list(version.indicators.filter(level=1).order_by("sort_order", "id"))


def system_list() -> QuerySet[IndicatorSystem]:
    """Every system with its versions (newest first) and their level-1 counts."""
    versions = (
        SystemVersion.objects.select_related("created_by", "published_by", "based_on")
        .annotate(indicator_count=Count("indicators"))
        .order_by("-created_at", "-id")
    )
    return IndicatorSystem.objects.order_by("code").prefetch_related(Prefetch("versions", queryset=versions))


def version_list() -> QuerySet[SystemVersion]:
    """All versions of all systems, by system code then newest first."""
    return SystemVersion.objects.select_related("system").order_by("system__code", "-created_at", "-id")


def version_get(*, pk: int) -> SystemVersion | None:
    return (
        SystemVersion.objects.select_related("system", "based_on", "created_by", "published_by")
        .filter(pk=pk)
        .first()
    )


def version_find(*, system_code: str, version: str | None = None) -> SystemVersion | None:
    """A version by label; without a label the latest published one, else the latest draft."""
    versions = SystemVersion.objects.filter(system__code=system_code).select_related("system")
    if version:
        return versions.filter(version=version).first()
    published = versions.filter(status=VersionStatus.PUBLISHED).order_by("-published_at", "-id").first()
    return published or versions.order_by("-created_at", "-id").first()


def version_publish_previews(*, version: SystemVersion) -> list[tuple[Any, Any]]:
    """What publishing `version` would do beyond it, as (step, report) per registered publishing step."""
    from bizenv.indicators.publishing import publish_steps

    return [(step, step.preview(version)) for step in publish_steps()]


def level1_count(*, version: SystemVersion) -> int:
    return version.indicators.filter(level=1).count()


def version_indicators(*, version: SystemVersion) -> list[Indicator]:
    """Every indicator of a version with departments and variants, in tree order (level, then sort order)."""
    return list(
        version.indicators.order_by("level", "sort_order", "id")
        .select_related("parent")
        .prefetch_related(
            Prefetch("lead_departments", queryset=Department.objects.order_by("sort_order", "code")),
            Prefetch("responsible_departments", queryset=Department.objects.order_by("sort_order", "code")),
            Prefetch("weight_variants", queryset=WeightVariant.objects.order_by("sort_order", "id")),
        )
    )


def indicator_get(*, version: SystemVersion, code: str) -> Indicator | None:
    return (
        version.indicators.filter(code=code)
        .select_related("parent", "parent__parent")
        .prefetch_related("lead_departments", "responsible_departments", "weight_variants", "children")
        .first()
    )


def indicator_spec(indicator: Indicator) -> IndicatorSpec:
    """One database indicator as a spec node (children not attached); relations must be prefetched."""
    return IndicatorSpec(
        code=indicator.code,
        name=indicator.name,
        weight=indicator.weight,
        optional=indicator.optional,
        unit=indicator.unit,
        direction=indicator.direction,
        best=indicator.best,
        worst=indicator.worst,
        transform_power=indicator.transform_power,
        definition=indicator.definition,
        remarks=indicator.remarks,
        lead_departments=[d.code for d in indicator.lead_departments.all()],
        responsible_departments=[d.code for d in indicator.responsible_departments.all()],
        source_kind=indicator.source_kind,
        cycle=indicator.cycle,
        external_ref=indicator.external_ref,
        weight_variants=[
            VariantSpec(when=dict(v.conditions), weight=v.weight, location=Location(indicator=indicator.code))
            for v in indicator.weight_variants.all()
        ],
        locations={"": Location(indicator=indicator.code)},
    )


_published_specs: dict[tuple, bytes] = {}


def version_spec(*, version: SystemVersion, indicators: list[Indicator] | None = None) -> SystemSpec:
    """The whole version as a resolved spec (what export, comparison, weights and validation work on)."""
    if indicators is None and version.is_published:
        # A published version never changes: keep it pickled and hand every caller its own copy
        # (unpickling is ~20 times faster than reading and assembling ~200 indicators).
        # Keyed by more than the id: ids can be reused (e.g. after a rolled-back test transaction).
        key = (version.pk, version.system.code, version.version, version.published_at)
        if key not in _published_specs:
            _published_specs[key] = pickle.dumps(version_spec(version=version, indicators=version_indicators(
                version=version)), protocol=pickle.HIGHEST_PROTOCOL)
        return pickle.loads(_published_specs[key])
    rows = indicators if indicators is not None else version_indicators(version=version)
    nodes = {row.pk: indicator_spec(row) for row in rows}
    roots = []
    for row in sorted(rows, key=lambda r: (r.level, r.sort_order, r.pk)):
        node = nodes[row.pk]
        if row.parent_id is None:
            roots.append(node)
        else:
            nodes[row.parent_id].children.append(node)
    return SystemSpec(
        code=version.system.code,
        name=version.name or version.system.name,
        version=version.version,
        description=version.description,
        indicators=roots,
        carry_over=dict(version.carry_over or {}),
    )


def department_codes() -> set[str]:
    return set(Department.objects.values_list("code", flat=True))


def department_names() -> dict[str, str]:
    return dict(Department.objects.values_list("code", "name"))


def region_attribute_keys() -> set[str]:
    """Free region attributes (Region.attributes) that weight variants may test besides the typed ones."""
    keys: set[str] = set()
    for attributes in Region.objects.exclude(attributes={}).values_list("attributes", flat=True):
        if isinstance(attributes, dict):
            keys |= set(attributes)
    return keys


def spec_problems(spec: SystemSpec, *, complete: bool = True) -> list[Problem]:
    """Validate a spec against the departments and region attributes in the database."""
    return validate_system(
        spec, department_codes=department_codes(), attribute_keys=region_attribute_keys(), complete=complete
    )


def version_problems(*, version: SystemVersion) -> list[Problem]:
    """What stops the version from being published (empty when it may be)."""
    return spec_problems(version_spec(version=version))


def file_problems(*, content: bytes, filename: str) -> tuple[SystemSpec | None, list[Problem]]:
    """Parse and validate an uploaded file without saving anything."""
    result = parse_file(content, filename)
    problems = list(result.problems)
    if result.spec is not None:
        problems += spec_problems(result.spec)
    problems.sort(key=lambda p: (p.location.sheet, p.location.row or 0, p.location.line or 0))
    return result.spec, problems


# ------------------------------------------------------------------------------------------- tree page


@dataclass
class TreeNode:
    indicator: Indicator
    level: int
    share: float | None  # normalised weight among siblings, None when dropped
    variant_share: float | None = None
    children: list[TreeNode] = field(default_factory=list)

    @staticmethod
    def _percent(share: float | None) -> str:
        if share is None:
            return "不计入"
        return f"{share * 100:.2f}".rstrip("0").rstrip(".") + "%"

    @property
    def share_percent(self) -> str:
        return self._percent(self.share)

    @property
    def variant_percent(self) -> str:
        return self._percent(self.variant_share)

    @property
    def variant_differs(self) -> bool:
        return self.share != self.variant_share and not (
            self.share is not None
            and self.variant_share is not None
            and abs(self.share - self.variant_share) < 1e-9
        )


def variant_choices(*, spec: SystemSpec) -> list[dict[str, Any]]:
    """The region conditions that change weights somewhere in the tree (one page toggle each)."""
    return variant_conditions(spec)


def version_tree(*, version: SystemVersion, variant: dict[str, Any] | None = None) -> list[TreeNode]:
    """The version as a tree of indicators with sibling shares, normally and for a variant's regions."""
    rows = version_indicators(version=version)
    spec = version_spec(version=version, indicators=rows)
    shares = effective_weights(spec, {})
    variant_shares = effective_weights(spec, variant) if variant else {}
    nodes = {
        row.pk: TreeNode(
            indicator=row,
            level=row.level,
            share=shares.get(row.code),
            variant_share=variant_shares.get(row.code) if variant else None,
        )
        for row in rows
    }
    roots = []
    for row in rows:
        if row.parent_id is None:
            roots.append(nodes[row.pk])
        else:
            nodes[row.parent_id].children.append(nodes[row.pk])
    return roots


def version_compare(*, left: SystemVersion, right: SystemVersion) -> VersionComparison:
    """Added, removed and changed indicators from `left` to `right`."""
    return compare_specs(version_spec(version=left), version_spec(version=right))


def indicator_path(*, indicator: Indicator) -> list[Indicator]:
    """The indicator's ancestors from level 1 down, then the indicator itself."""
    chain = [indicator]
    while chain[0].parent_id is not None:
        chain.insert(0, chain[0].parent)
    return chain
