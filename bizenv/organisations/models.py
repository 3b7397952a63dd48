from django.contrib.auth.models import AbstractUser
from django.db import models


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"
    DISTRICT = "district", "区"
    ZONE = "zone", "开发区"


class Region(models.Model):
    """An administrative region in the tree province → city → county/district/zone."""

    code = models.CharField("行政区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区域", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path "/<code>/<code>/…/" so that a subtree is one indexed prefix query.
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    population = models.PositiveIntegerField("常住人口（人）", null=True, blank=True)
    gdp = models.DecimalField("地区生产总值（亿元）", max_digits=12, decimal_places=2, null=True, blank=True)
    area_km2 = models.DecimalField("面积（平方公里）", max_digits=10, decimal_places=1, null=True, blank=True)
    has_pipeline_gas = models.BooleanField("具备管道供气条件", default=True)
    peer_group = models.CharField("同类分组", max_length=50, blank=True)
    attributes = models.JSONField("其他属性", default=dict, blank=True)

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    def attribute_values(self) -> dict:
        """Typed attributes and free attributes together, as weight-variant conditions see them."""
        values = dict(self.attributes or {})
        values.update(
            {
                "level": self.level,
                "has_pipeline_gas": self.has_pipeline_gas,
                "population": self.population,
                "gdp": float(self.gdp) if self.gdp is not None else None,
                "peer_group": self.peer_group,
            }
        )
        return values


class DepartmentKind(models.TextChoices):
    OFFICE = "office", "协调机构"
    BUREAU = "bureau", "政府部门"
    COURT = "court", "司法机关"
    ENTERPRISE = "enterprise", "公共服务企业"


class Department(models.Model):
    """A lead or responsible unit (牵头单位 / 责任单位)."""

    code = models.CharField("编码", max_length=50, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.BUREAU)
    region = models.ForeignKey(
        Region, verbose_name="所属区域", null=True, blank=True, on_delete=models.PROTECT, related_name="departments"
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    LEADER = "leader", "领导"
    OFFICE = "office", "营商办"
    DEPARTMENT = "department", "部门用户"
    COUNTY = "county", "县区用户"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=100, blank=True)
    department = models.ForeignKey(
        Department, verbose_name="所属部门", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class RoleGrant(models.Model):
    """A role held on a region; it covers that region and every region below it."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name="授权区域", null=True, blank=True, on_delete=models.PROTECT, related_name="grants",
        help_text="管理员角色不限区域，可为空",
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "region"], name="unique_role_grant")]

    def __str__(self) -> str:
        where = self.region.name if self.region_id else "全局"
        return f"{self.user} · {self.get_role_display()} · {where}"


class MapSource(models.TextChoices):
    GENERATED = "generated", "系统生成的示意边界"
    UPLOADED = "uploaded", "上传的边界数据"


class MapLayer(models.Model):
    """The GeoJSON outline of a region's children, drawn by the map charts of that region."""

    region = models.OneToOneField(Region, verbose_name="区域", on_delete=models.CASCADE, related_name="map_layer")
    geojson = models.JSONField("GeoJSON")
    source = models.CharField("来源", max_length=20, choices=MapSource.choices)
    filename = models.CharField("文件名", max_length=255, blank=True)
    feature_count = models.PositiveIntegerField("要素数")
    digest = models.CharField("内容摘要（SHA-256）", max_length=64)
    updated_by = models.ForeignKey(
        User, verbose_name="更新人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "地图图层"
        verbose_name_plural = "地图图层"

    def __str__(self) -> str:
        return f"{self.region.name}地图"
