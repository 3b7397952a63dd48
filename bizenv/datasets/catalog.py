"""The raw business-record datasets of passive monitoring (无感监测): fields, types, keys.

Pure data: ingestion validates against it, the lake partitions by it, metric definitions
refer to its field names, and docs/formats.md describes it for source systems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"


TYPE_LABELS = {
    FieldType.STRING: "文本",
    FieldType.INTEGER: "整数",
    FieldType.FLOAT: "数值",
    FieldType.BOOLEAN: "是/否",
    FieldType.TIMESTAMP: "时间（YYYY-MM-DD HH:MM[:SS]）",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Dataset:
    code: str
    name: str
    topic: str  # the level-1 indicator code of the default system it feeds
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # natural key: a record sent twice with the same key counts once
    time_field: str  # partitions the lake by month and places the record in a period
    description: str = ""
    # (start, end) timestamp pairs that must not run backwards
    ordered: tuple[tuple[str, str], ...] = field(default=())
    # the choice field whose values split the process into the segments users pick (分类), e.g. 设立 / 变更
    segment_field: str = ""

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def segments(self) -> tuple[str, ...]:
        """The segment codes of the process (the segment field's choices), in catalogue order."""
        return self.field(self.segment_field).choices if self.segment_field else ()


# How a coded value of a choice field reads in Chinese on pages (files and the API keep the codes).
CHOICE_LABELS = {
    "online": "网上", "counter": "窗口",
    "establishment": "设立", "change": "变更", "deregistration": "简易注销",
    "low_voltage_non_residential": "低压非居民", "low_voltage_residential": "低压居民", "high_voltage": "高压",
    "industrial": "工业", "commercial": "商业",
    "small_social_investment": "社会投资小型低风险", "general_social_investment": "一般社会投资",
    "government_investment": "政府投资",
    "enterprise": "企业", "residential": "住宅",
    "construction": "工程", "goods": "货物", "services": "服务",
}


def choice_label(value: Any) -> Any:
    """The Chinese reading of a coded value (a dataset code reads as its name); other values unchanged."""
    if isinstance(value, str):
        if value in CHOICE_LABELS:
            return CHOICE_LABELS[value]
        if value in DATASETS:
            return DATASETS[value].name
    return value


CHANNELS = ("online", "counter")
REGION = Field("region_code", "区域代码", FieldType.STRING, description="办理地县（市、区）的行政区划代码")
RECORD = Field("record_id", "办件编号", FieldType.STRING, description="源系统中的唯一编号")
CHANNEL = Field("channel", "办理渠道", FieldType.STRING, choices=CHANNELS, description="online 网上 / counter 窗口")
APPLIED = Field("applied_at", "申请时间", FieldType.TIMESTAMP)
COMPLETED = Field("completed_at", "办结时间", FieldType.TIMESTAMP, required=False, description="未办结为空")
COST = Field("cost", "费用（元）", FieldType.FLOAT, required=False, minimum=0)


def _case_dataset(code, name, topic, extra, description, segment_field=""):
    return Dataset(
        code=code, name=name, topic=topic, description=description,
        fields=(RECORD, REGION, *extra, CHANNEL, APPLIED, COMPLETED, COST),
        key=("record_id",), time_field="applied_at", ordered=(("applied_at", "completed_at"),),
        segment_field=segment_field,
    )


DATASETS: dict[str, Dataset] = {}


def _register(ds: Dataset) -> Dataset:
    DATASETS[ds.code] = ds
    return ds


_register(_case_dataset(
    "business_registrations", "企业开办办件", "starting_business",
    (Field("kind", "业务类型", FieldType.STRING,
           choices=("establishment", "change", "deregistration"),
           description="establishment 设立 / change 变更 / deregistration 简易注销"),
     Field("entity_type", "市场主体类型", FieldType.STRING, required=False)),
    "每一笔企业设立、变更、简易注销申请。", segment_field="kind",
))
_register(_case_dataset(
    "electricity_connections", "用电报装办件", "getting_electricity",
    (Field("connection_type", "接入类型", FieldType.STRING,
           choices=("low_voltage_non_residential", "low_voltage_residential", "high_voltage"),
           description="low_voltage_non_residential 低压非居民 / low_voltage_residential 低压居民 / high_voltage 高压"),
     Field("capacity_kva", "报装容量（kVA）", FieldType.FLOAT, required=False, minimum=0)),
    "每一笔用电报装，从申请到装表接电。", segment_field="connection_type",
))
_register(_case_dataset(
    "water_connections", "用水报装办件", "getting_water",
    (Field("pipe_diameter_mm", "管径（毫米）", FieldType.FLOAT, required=False, minimum=0),),
    "每一笔用水报装，从申请到具备通水条件。",
))
_register(_case_dataset(
    "gas_connections", "用气报装办件", "getting_gas",
    (Field("customer_type", "用户类型", FieldType.STRING, required=False, choices=("industrial", "commercial")),),
    "每一笔用气报装，从申请到具备通气条件。", segment_field="customer_type",
))
_register(_case_dataset(
    "construction_permits", "工程建设项目审批", "construction_permits",
    (Field("project_type", "项目类型", FieldType.STRING,
           choices=("small_social_investment", "general_social_investment", "government_investment"),
           description="small_social_investment 社会投资小型低风险 / general_social_investment 一般社会投资 / "
                       "government_investment 政府投资"),
     Field("floor_area_m2", "建筑面积（平方米）", FieldType.FLOAT, required=False, minimum=0)),
    "每一个工程建设项目，从立项用地规划到竣工验收各阶段。", segment_field="project_type",
))
_register(_case_dataset(
    "property_transfers", "不动产转移登记", "registering_property",
    (Field("property_type", "不动产类型", FieldType.STRING, required=False,
           choices=("enterprise", "residential")),
     Field("property_value", "不动产价值（元）", FieldType.FLOAT, required=False, minimum=0)),
    "每一笔企业间不动产转移登记。",
))
_register(Dataset(
    code="service_cases", name="政务服务办件", topic="government_services",
    description="政务服务事项的每一个办件，含法定时限与实际办结时间。",
    fields=(RECORD, REGION,
            Field("department_code", "承办部门", FieldType.STRING, required=False),
            Field("item_name", "事项名称", FieldType.STRING),
            CHANNEL, APPLIED, COMPLETED,
            Field("statutory_limit_days", "法定时限（工作日）", FieldType.FLOAT, minimum=0),
            Field("promised_limit_days", "承诺时限（工作日）", FieldType.FLOAT, required=False, minimum=0)),
    key=("record_id",), time_field="applied_at", ordered=(("applied_at", "completed_at"),),
))
_register(Dataset(
    code="tenders", name="招标投标项目", topic="bidding_tendering",
    description="每一个招标项目：投标人数、中标人是否本地、保证金处理。",
    fields=(RECORD, REGION,
            Field("project_type", "项目类型", FieldType.STRING, required=False,
                  choices=("construction", "goods", "services")),
            Field("published_at", "招标公告时间", FieldType.TIMESTAMP),
            Field("bid_deadline_at", "投标截止时间", FieldType.TIMESTAMP, required=False),
            Field("awarded_at", "中标公示时间", FieldType.TIMESTAMP, required=False),
            Field("bidder_count", "投标人数", FieldType.INTEGER, minimum=0),
            Field("winner_local", "中标人为本地企业", FieldType.BOOLEAN, required=False),
            Field("deposit_required", "收取投标保证金", FieldType.BOOLEAN, required=False),
            Field("deposit_refund_days", "保证金退还用时（工作日）", FieldType.FLOAT, required=False, minimum=0),
            Field("amount", "中标金额（元）", FieldType.FLOAT, required=False, minimum=0)),
    key=("record_id",), time_field="published_at",
    ordered=(("published_at", "bid_deadline_at"), ("bid_deadline_at", "awarded_at")),
))
PROCESSES = tuple(DATASETS)
_register(Dataset(
    code="process_steps", name="办理环节", topic="",
    description="各类办件的每一个办理环节（开始与结束时间），用于环节数、环节耗时和瓶颈分析。",
    fields=(Field("process", "所属数据集", FieldType.STRING, choices=PROCESSES),
            RECORD, REGION,
            Field("step_no", "环节序号", FieldType.INTEGER, minimum=1),
            Field("step_name", "环节名称", FieldType.STRING),
            Field("started_at", "开始时间", FieldType.TIMESTAMP),
            Field("finished_at", "结束时间", FieldType.TIMESTAMP, required=False),
            Field("limit_days", "环节时限（工作日）", FieldType.FLOAT, required=False, minimum=0)),
    key=("process", "record_id", "step_no"), time_field="started_at", ordered=(("started_at", "finished_at"),),
))


def dataset_get(code: str) -> Dataset:
    """The dataset with this code, or a Chinese error listing the known ones."""
    from bizenv.core.errors import ApplicationError, ErrorCode

    try:
        return DATASETS[code]
    except KeyError:
        known = "、".join(DATASETS)
        raise ApplicationError(f"未知的数据集“{code}”，可用的数据集：{known}", code=ErrorCode.NOT_FOUND) from None
