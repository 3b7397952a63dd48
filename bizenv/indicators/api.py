"""JSON API of indicator systems: list, tree, indicator, validate, import, export."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Form, Router
from ninja.files import UploadedFile

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.indicators import selectors, services
from bizenv.indicators.exporting import export_excel, export_yaml
from bizenv.indicators.models import SystemVersion
from bizenv.indicators.schemas import (
    ImportOut,
    IndicatorOut,
    SystemOut,
    ValidationOut,
    VersionTreeOut,
)
from bizenv.indicators.specs import IndicatorSpec, walk
from bizenv.indicators.weights import effective_weights
from bizenv.organisations.permissions import Permission, require

router = Router(tags=["指标体系"])

EXPORT_TYPES = {
    "yaml": "text/yaml; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _version(pk: int) -> SystemVersion:
    version = selectors.version_get(pk=pk)
    if version is None:
        raise ApplicationError(f"指标体系版本 {pk} 不存在。", code=ErrorCode.NOT_FOUND)
    return version


def _version_out(v: SystemVersion) -> dict:
    return {
        "id": v.pk,
        "system_code": v.system.code,
        "version": v.version,
        "name": v.name or v.system.name,
        "status": v.status,
        "status_label": v.get_status_display(),
        "based_on": v.based_on.version if v.based_on_id else None,
        "created_at": v.created_at,
        "published_at": v.published_at,
    }


def _node_out(node: IndicatorSpec, parent: str | None, level: int, shares: dict, *, deep: bool) -> dict:
    data = {
        "code": node.code,
        "name": node.name,
        "level": level,
        "parent": parent,
        "weight": node.weight,
        "share": shares.get(node.code),
        "optional": node.optional,
        "unit": node.unit,
        "direction": node.direction,
        "best": node.best,
        "worst": node.worst,
        "transform_power": node.transform_power,
        "definition": node.definition,
        "remarks": node.remarks,
        "lead_departments": node.lead_departments or [],
        "responsible_departments": node.responsible_departments or [],
        "source_kind": node.source_kind or "",
        "cycle": node.cycle or "",
        "external_ref": node.external_ref,
        "weight_variants": [{"when": v.when, "weight": v.weight} for v in node.weight_variants],
    }
    if deep:
        data["children"] = [_node_out(c, node.code, level + 1, shares, deep=True) for c in node.children]
    return data


@router.get("/systems", response=list[SystemOut], summary="指标体系及其版本")
def systems(request):
    require(request.user, Permission.VIEW_INDICATORS)
    return [
        {
            "code": s.code,
            "name": s.name,
            "description": s.description,
            "versions": [_version_out(v) for v in s.versions.all()],
        }
        for s in selectors.system_list()
    ]


@router.get("/versions/{version_id}", response=VersionTreeOut, summary="一个版本的完整指标树")
def version_tree(request, version_id: int):
    require(request.user, Permission.VIEW_INDICATORS)
    version = _version(version_id)
    spec = selectors.version_spec(version=version)
    shares = effective_weights(spec)
    return {
        **_version_out(version),
        "description": version.description,
        "indicators": [_node_out(n, None, 1, shares, deep=True) for n in spec.indicators],
    }


@router.get("/versions/{version_id}/indicators/{code}", response=IndicatorOut, summary="一个指标")
def indicator(request, version_id: int, code: str):
    require(request.user, Permission.VIEW_INDICATORS)
    version = _version(version_id)
    spec = selectors.version_spec(version=version)
    shares = effective_weights(spec)
    for node, parent, level in walk(spec.indicators):
        if node.code == code:
            return _node_out(node, parent.code if parent else None, level, shares, deep=False)
    raise ApplicationError(f"版本 {version.version} 中没有指标 {code}。", code=ErrorCode.NOT_FOUND)


@router.get(
    "/versions/{version_id}/export",
    summary="导出为 YAML 或 Excel（format=yaml|xlsx）",
    openapi_extra={"responses": {200: {"description": "YAML 或 Excel 文件"}}},
)
def export(request, version_id: int, format: str = "yaml"):
    require(request.user, Permission.VIEW_INDICATORS)
    if format not in EXPORT_TYPES:
        raise ApplicationError("format 只能是 yaml 或 xlsx。")
    version = _version(version_id)
    spec = selectors.version_spec(version=version)
    body = export_yaml(spec).encode("utf-8") if format == "yaml" else export_excel(spec)
    response = HttpResponse(body, content_type=EXPORT_TYPES[format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{version.system.code}-{version.version}.{format}"
    )
    return response


@router.post("/validate", response=ValidationOut, summary="校验上传的 YAML / Excel 文件（不保存）")
def validate(request, file: File[UploadedFile]):
    require(request.user, Permission.EDIT_INDICATORS)
    spec, problems = selectors.file_problems(content=file.read(), filename=file.name or "")
    return {
        "ok": not problems and spec is not None,
        "filename": file.name or "",
        "system_code": spec.code if spec else None,
        "version": spec.version if spec else None,
        "indicator_count": sum(1 for _ in walk(spec.indicators)) if spec else 0,
        "problems": [p.as_dict() for p in problems],
    }


@router.post("/import", response=ImportOut, summary="导入 YAML / Excel 文件为草稿版本（全有或全无）")
def import_file(request, file: File[UploadedFile], publish: Form[bool] = False):
    outcome = services.indicator_system_import(
        actor=request.user, content=file.read(), filename=file.name or "", publish=publish
    )
    return {
        "created": outcome.created,
        "published": outcome.published,
        "message": outcome.message,
        "version": _version_out(outcome.version),
    }
