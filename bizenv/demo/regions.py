"""The demonstration data set: a fictional province and city, departments, indicator systems, accounts.

`build_demo` is idempotent: it creates what is missing and leaves what exists; a second run changes
nothing and writes no audit entries. Every write goes through the services.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from bizenv.organisations import services
from bizenv.organisations.models import (
    Department,
    DepartmentKind,
    MapLayer,
    Region,
    RegionLevel,
    Role,
    RoleGrant,
    User,
)

DEMO_PASSWORD = "Bizenv@2026"
DEPARTMENTS_FILE = Path(__file__).resolve().parents[1] / "organisations" / "data" / "departments.yaml"

PROVINCE = {
    "code": "990000",
    "name": "示范省",
    "level": RegionLevel.PROVINCE,
    "population": 38_650_000,
    "gdp": Decimal("24860.00"),
    "area_km2": Decimal("168500.0"),
    "peer_group": "省",
}
CITY = {
    "code": "990100",
    "name": "示范市",
    "level": RegionLevel.CITY,
    "population": 4_126_000,
    "gdp": Decimal("3318.60"),
    "area_km2": Decimal("9642.0"),
    "peer_group": "设区市",
}

# (code, name, level, population, GDP 亿元, area km², pipeline gas, peer group, free attributes)
CITY_CHILDREN = [
    (
        "990102",
        "东城区",
        RegionLevel.DISTRICT,
        612_000,
        "812.50",
        "186.4",
        True,
        "中心城区",
        {"terrain": "平原"},
    ),
    (
        "990103",
        "西城区",
        RegionLevel.DISTRICT,
        548_000,
        "706.30",
        "204.9",
        True,
        "中心城区",
        {"terrain": "平原"},
    ),
    (
        "990104",
        "南湖区",
        RegionLevel.DISTRICT,
        436_000,
        "455.80",
        "312.7",
        True,
        "中心城区",
        {"terrain": "平原"},
    ),
    (
        "990105",
        "江北区",
        RegionLevel.DISTRICT,
        351_000,
        "298.40",
        "468.2",
        True,
        "中心城区",
        {"terrain": "丘陵"},
    ),
    ("990121", "北山县", RegionLevel.COUNTY, 186_000, "92.70", "1386.5", False, "县域", {"terrain": "山区"}),
    ("990122", "青溪县", RegionLevel.COUNTY, 264_000, "151.20", "947.3", True, "县域", {"terrain": "丘陵"}),
    ("990123", "云岭县", RegionLevel.COUNTY, 142_000, "63.80", "1652.8", False, "县域", {"terrain": "山区"}),
    ("990124", "白马县", RegionLevel.COUNTY, 118_000, "55.10", "1218.4", False, "县域", {"terrain": "山区"}),
    ("990125", "石桥县", RegionLevel.COUNTY, 297_000, "176.90", "862.0", True, "县域", {"terrain": "平原"}),
    ("990126", "松林县", RegionLevel.COUNTY, 203_000, "104.60", "1034.6", True, "县域", {"terrain": "丘陵"}),
    ("990127", "梅岭县", RegionLevel.COUNTY, 167_000, "81.30", "1127.9", True, "县域", {"terrain": "丘陵"}),
    (
        "990181",
        "临江市",
        RegionLevel.COUNTY,
        389_000,
        "268.70",
        "736.5",
        True,
        "县域",
        {"terrain": "平原", "county_level_city": True},
    ),
    (
        "990171",
        "高新技术产业开发区",
        RegionLevel.ZONE,
        96_000,
        "286.40",
        "58.6",
        True,
        "开发区",
        {"terrain": "平原", "approved_by": "国务院"},
    ),
    (
        "990172",
        "经济技术开发区",
        RegionLevel.ZONE,
        78_000,
        "231.90",
        "72.3",
        True,
        "开发区",
        {"terrain": "平原", "approved_by": "省人民政府"},
    ),
]

# More cities of the province for --scale province (fictional names).
PROVINCE_CITIES = [
    "青山市",
    "绿水市",
    "金沙市",
    "玉泉市",
    "松原市",
    "桃园市",
    "石城市",
    "龙潭市",
    "凤鸣市",
    "星河市",
    "梅州湾市",
    "柳岸市",
    "云台市",
    "安澜市",
    "永宁市",
]
_DISTRICT_NAMES = ["城关区", "新华区", "河东区", "河西区"]
_COUNTY_NAMES = [
    "东山县",
    "西岭县",
    "南溪县",
    "北原县",
    "清河县",
    "长宁县",
    "安平县",
    "兴隆县",
    "宁远县",
    "丰泽县",
    "广安县",
    "太和县",
    "永和县",
    "平乐县",
]

ACCOUNTS = [
    # username, full name, role, region code (None: global), department code, description
    ("leader", "王建国", Role.LEADER, "990100", None, "领导：示范市全市数据只读"),
    ("office", "李晓燕", Role.OFFICE, "990100", "office", "营商办：指标体系、审核与全市数据"),
    ("reviewer", "周婷", Role.OFFICE, "990100", "office", "营商办审核人：审核他人编制的红黑榜与修改后的数据"),
    ("dept", "张伟", Role.DEPARTMENT, "990100", "samr", "部门用户：市市场监管局，数据填报"),
    ("county", "陈静", Role.COUNTY, None, None, "县区用户：本县（区）数据"),
    ("sysadmin", "刘洋", Role.SYSADMIN, None, None, "系统管理员：用户、授权、区域与部门"),
    ("secadmin", "赵敏", Role.SECADMIN, None, None, "安全管理员：登录锁定与解锁"),
    ("auditor", "孙磊", Role.AUDITOR, None, None, "审计管理员：审计日志查看与校验"),
]


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str]] = field(default_factory=list)


def _region_ensure(
    *, parent: Region | None, code: str, name: str, level: str, sort_order: int = 0, **attrs
) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        return services.region_create(
            actor=None, code=code, name=name, level=level, parent=parent, sort_order=sort_order, **attrs
        )
    return services.region_update(actor=None, region=region, name=name, sort_order=sort_order, **attrs)


def _build_city(city: Region) -> list[Region]:
    children = []
    for index, (code, name, level, population, gdp, area, gas, peer, extra) in enumerate(CITY_CHILDREN, 1):
        children.append(
            _region_ensure(
                parent=city,
                code=code,
                name=name,
                level=level,
                sort_order=index,
                population=population,
                gdp=Decimal(gdp),
                area_km2=Decimal(area),
                has_pipeline_gas=gas,
                peer_group=peer,
                attributes=extra,
            )
        )
    return children


def _build_province_cities(province: Region) -> int:
    created = 0
    for city_index, city_name in enumerate(PROVINCE_CITIES, 2):
        rng = random.Random(f"bizenv-demo-city-{city_index}")
        city_code = f"99{city_index:02d}00"
        population = rng.randint(1_500_000, 4_000_000)
        city = _region_ensure(
            parent=province,
            code=city_code,
            name=city_name,
            level=RegionLevel.CITY,
            sort_order=city_index,
            population=population,
            gdp=Decimal(rng.randint(900, 3000)),
            area_km2=Decimal(rng.randint(6000, 16000)),
            peer_group="设区市",
            attributes={},
        )
        districts = _DISTRICT_NAMES[: rng.randint(2, 4)]
        counties = rng.sample(_COUNTY_NAMES, rng.randint(7, 9))
        for order, name in enumerate(districts + counties, 1):
            is_district = name.endswith("区")
            mountain = not is_district and rng.random() < 0.3
            code = (
                f"99{city_index:02d}{order + 1:02d}" if is_district else f"99{city_index:02d}{order + 20:02d}"
            )
            _region_ensure(
                parent=city,
                code=code,
                name=name,
                level=RegionLevel.DISTRICT if is_district else RegionLevel.COUNTY,
                sort_order=order,
                population=rng.randint(250_000, 700_000) if is_district else rng.randint(80_000, 420_000),
                gdp=Decimal(rng.randint(180, 800) if is_district else rng.randint(40, 260)),
                area_km2=Decimal(rng.randint(150, 600) if is_district else rng.randint(700, 2200)),
                has_pipeline_gas=not mountain,
                peer_group="中心城区" if is_district else "县域",
                attributes={"terrain": "山区" if mountain else rng.choice(["平原", "丘陵"])},
            )
        zone_code = f"99{city_index:02d}71"
        _region_ensure(
            parent=city,
            code=zone_code,
            name="经济开发区",
            level=RegionLevel.ZONE,
            sort_order=90,
            population=rng.randint(40_000, 120_000),
            gdp=Decimal(rng.randint(90, 320)),
            area_km2=Decimal(rng.randint(30, 90)),
            peer_group="开发区",
            attributes={"terrain": "平原"},
        )
        created += 1
    return created


def _load_departments(city: Region) -> int:
    entries = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8")) or []
    kinds = set(DepartmentKind.values)
    for index, entry in enumerate(entries, 1):
        kind = entry.get("kind", DepartmentKind.BUREAU)
        if kind not in kinds:
            raise ValueError(f"departments.yaml 第 {index} 项的类别“{kind}”无效")
        services.department_upsert(
            actor=None, code=entry["code"], name=entry["name"], kind=kind, sort_order=index * 10, region=city
        )
    return len(entries)


def _ensure_account(
    *, username: str, full_name: str, role: Role, region: Region | None, department: Department | None
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.user_create(
            actor=None, username=username, password=DEMO_PASSWORD, full_name=full_name, department=department
        )
    else:
        user = services.user_update(
            actor=None, user=user, full_name=full_name, department=department or user.department
        )
    services.role_grant_add(actor=None, user=user, role=role, region=region)
    return user


def regions_build(*, scale: str = "small", progress: Callable[[str], object] = print) -> DemoSummary:
    """Create (or complete) the demo's regions, departments, map layers and accounts; safe to rerun."""
    if scale not in ("small", "province"):
        raise ValueError(f"未知的数据规模：{scale}（可选 small、province）")
    progress("建立区域：示范省 → 示范市 → 县（市、区）与开发区")
    province = _region_ensure(parent=None, sort_order=1, **PROVINCE)
    city = _region_ensure(parent=province, sort_order=1, **CITY)
    children = _build_city(city)
    if scale == "province":
        progress(f"建立全省其他 {len(PROVINCE_CITIES)} 个设区市及其县（市、区）")
        _build_province_cities(province)

    progress("导入市级部门与单位")
    departments = _load_departments(city)
    progress(f"已导入 {departments} 个部门")

    progress("生成示意地图边界（虚构，非真实行政区划）")
    map_regions = [city] + (
        [province, *Region.objects.filter(parent=province).exclude(pk=city.pk)] if scale == "province" else []
    )
    for region in map_regions:
        if not MapLayer.objects.filter(region=region).exists():
            services.map_layer_generate(actor=None, region=region)

    progress("建立演示账号")
    first_local = children[0]
    accounts = []
    for username, full_name, role, region_code, dept_code, description in ACCOUNTS:
        region = (
            first_local
            if role == Role.COUNTY
            else (Region.objects.get(code=region_code) if region_code else None)
        )
        department = Department.objects.get(code=dept_code) if dept_code else None
        _ensure_account(
            username=username, full_name=full_name, role=role, region=region, department=department
        )
        if role == Role.COUNTY:
            description = f"县区用户：{first_local.name}数据与填报"
        accounts.append((username, f"{full_name} · {description}"))

    counts = {
        "区域": Region.objects.count(),
        "部门": Department.objects.count(),
        "用户": User.objects.count(),
        "角色授权": RoleGrant.objects.count(),
        "地图图层": MapLayer.objects.count(),
    }
    return DemoSummary(counts=counts, accounts=accounts)
