from ninja import Router

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.organisations import selectors
from bizenv.organisations.models import Department, Region
from bizenv.organisations.permissions import Permission, can, require
from bizenv.organisations.schemas import DepartmentOut, RegionDetailOut, RegionOut, RegionTreeOut

router = Router(tags=["组织与权限"])


def _region(region: Region, with_maps: set[str], parent_code: str | None = None) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": region.get_level_display(),
        "parent_code": parent_code
        if parent_code is not None
        else (region.parent.code if region.parent_id else None),
        "depth": region.depth,
        "sort_order": region.sort_order,
        "population": region.population,
        "gdp": float(region.gdp) if region.gdp is not None else None,
        "area_km2": float(region.area_km2) if region.area_km2 is not None else None,
        "has_pipeline_gas": region.has_pipeline_gas,
        "peer_group": region.peer_group,
        "attributes": region.attributes or {},
        "has_map": region.code in with_maps,
    }


def _department(dept: Department) -> dict:
    return {
        "code": dept.code,
        "name": dept.name,
        "kind": dept.kind,
        "kind_label": dept.get_kind_display(),
        "region_code": dept.region.code if dept.region_id else None,
        "sort_order": dept.sort_order,
    }


@router.get("/regions", response=list[RegionOut], summary="可见区域列表（按授权范围，树序）")
def regions(request, level: str | None = None):
    require(request.user, Permission.VIEW_REGIONS)
    items = selectors.region_list(user=request.user)
    if level:
        items = items.filter(level=level)
    with_maps = selectors.map_region_codes()
    return [_region(r, with_maps) for r in items]


@router.get("/regions/tree", response=list[RegionTreeOut], summary="可见区域树（按授权范围）")
def region_tree(request):
    require(request.user, Permission.VIEW_REGIONS)
    with_maps = selectors.map_region_codes()

    def build(node, parent_code):
        data = _region(node.region, with_maps, parent_code or "")
        data["parent_code"] = node.region.parent.code if node.region.parent_id else None
        data["children"] = [build(child, node.region.code) for child in node.children]
        return data

    return [build(root, None) for root in selectors.region_tree(user=request.user)]


@router.get("/regions/{code}", response=RegionDetailOut, summary="区域详情：属性、上级、下级与本级部门")
def region_detail(request, code: str):
    require(request.user, Permission.VIEW_REGIONS)
    region = selectors.region_find(code=code)
    if region is None or not can(request.user, Permission.VIEW_REGIONS, region):
        raise ApplicationError(f"没有代码为“{code}”的区域，或不在您的授权范围内。", code=ErrorCode.NOT_FOUND)
    with_maps = selectors.map_region_codes()
    data = _region(region, with_maps)
    data["ancestors"] = [
        _region(a, with_maps)
        for a in selectors.region_ancestors(region=region)
        if can(request.user, Permission.VIEW_REGIONS, a)
    ]
    data["children"] = [
        _region(c, with_maps) for c in selectors.region_children(user=request.user, region=region)
    ]
    data["departments"] = [
        _department(d) for d in selectors.region_departments(region=region).select_related("region")
    ]
    return data


@router.get("/departments", response=list[DepartmentOut], summary="部门与单位")
def departments(request):
    if not (can(request.user, Permission.VIEW_REGIONS) or can(request.user, Permission.MANAGE_USERS)):
        require(request.user, Permission.VIEW_REGIONS)
    return [_department(d) for d in selectors.department_list().select_related("region")]
