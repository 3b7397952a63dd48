"""Shapes of the system-management forms; rules live in the services."""

from __future__ import annotations

import json

from django import forms

from bizenv.organisations.models import ADMIN_ROLES, Department, DepartmentKind, Region, Role

MAX_MAP_BYTES = 20 * 1024 * 1024


class RegionForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    sort_order = forms.IntegerField(label="排序", min_value=0)
    population = forms.IntegerField(label="常住人口（人）", min_value=0, required=False)
    gdp = forms.DecimalField(
        label="地区生产总值（亿元）", max_digits=12, decimal_places=2, min_value=0, required=False
    )
    area_km2 = forms.DecimalField(
        label="面积（平方公里）", max_digits=10, decimal_places=1, min_value=0, required=False
    )
    has_pipeline_gas = forms.BooleanField(
        label="具备管道供气条件", required=False, help_text="不具备条件的区域在“获得用气”指标上按权重变体处理"
    )
    peer_group = forms.CharField(
        label="同类分组",
        max_length=50,
        required=False,
        help_text="如 中心城区、县域、开发区；同组区域互相比较",
    )
    attributes = forms.JSONField(
        label="其他属性（JSON 对象）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"invalid": '请输入有效的 JSON，例如 {"terrain": "山区"}。'},
    )

    def clean_attributes(self):
        value = self.cleaned_data.get("attributes")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("其他属性应为 JSON 对象（以 { 开头）。")
        return value

    @staticmethod
    def initial_for(region: Region) -> dict:
        return {
            "name": region.name,
            "sort_order": region.sort_order,
            "population": region.population,
            "gdp": region.gdp,
            "area_km2": region.area_km2,
            "has_pipeline_gas": region.has_pipeline_gas,
            "peer_group": region.peer_group,
            "attributes": region.attributes or {},
        }


class MapUploadForm(forms.Form):
    file = forms.FileField(
        label="GeoJSON 文件",
        help_text="FeatureCollection；每个要素的 properties 含下级区域的 name（名称）或 code（行政区划代码）",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_MAP_BYTES:
            raise forms.ValidationError(f"文件过大（{upload.size // 1024 // 1024} MB），上限为 20 MB。")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再上传。") from exc
        try:
            self.document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有语法错误。"
            ) from exc
        return upload


class DepartmentForm(forms.Form):
    code = forms.SlugField(
        label="编码", max_length=50, help_text="英文小写字母、数字、下划线；已存在的编码将被更新"
    )
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=DepartmentKind.choices)
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0)


def _region_label(region: Region) -> str:
    return "　" * region.depth + f"{region.name}（{region.code}）"


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _region_label(obj)


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label="账号",
        max_length=150,
        regex=r"^[A-Za-z0-9_.@-]+$",
        error_messages={"invalid": "账号只能包含字母、数字和 _ . @ -。"},
    )
    full_name = forms.CharField(label="姓名", max_length=100)
    department = forms.ModelChoiceField(
        label="所属部门",
        queryset=Department.objects.order_by("sort_order", "code"),
        required=False,
        empty_label="（无）",
    )
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text="至少 8 位，不能是常见密码或纯数字",
    )
    password_again = forms.CharField(
        label="确认密码", widget=forms.PasswordInput(render_value=False), strip=False
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致。")
        return data


class UserEditForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=100)
    department = forms.ModelChoiceField(
        label="所属部门",
        queryset=Department.objects.order_by("sort_order", "code"),
        required=False,
        empty_label="（无）",
    )


class GrantForm(forms.Form):
    # Administrator roles are granted by the operator on the server (三员分立), never on a page.
    role = forms.ChoiceField(label="角色", choices=[(r.value, r.label) for r in Role if r not in ADMIN_ROLES])
    region = RegionChoiceField(
        label="授权区域",
        queryset=Region.objects.order_by("path"),
        required=True,
        empty_label="（请选择区域）",
    )


class SecurityPasswordResetForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150)
    password = forms.CharField(label="临时密码", widget=forms.PasswordInput(render_value=False), strip=False,
                               help_text="用户下次登录时须改为自己的密码")


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput(render_value=False), strip=False)
    password = forms.CharField(label="新密码", widget=forms.PasswordInput(render_value=False), strip=False,
                               help_text="至少 8 位，不能是常见密码或纯数字")
    password_again = forms.CharField(label="确认新密码", widget=forms.PasswordInput(render_value=False), strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致。")
        return data


class UnlockForm(forms.Form):
    username = forms.CharField(label="账号", max_length=255)
