from django.conf import settings
from django.db import models


class ItemKind(models.TextChoices):
    ANNUAL = "annual", "年度任务"
    RECTIFICATION = "rectification", "整改任务"
    SUPERVISION = "supervision", "督办事项"
    MATERIALS = "materials", "材料征集"


class ItemStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "待受理"
    RETURNED = "returned", "已退回"
    IN_PROGRESS = "in_progress", "办理中"
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "已办结"
    CANCELLED = "cancelled", "已撤销"


OPEN_STATUSES = (ItemStatus.ISSUED, ItemStatus.RETURNED, ItemStatus.IN_PROGRESS, ItemStatus.SUBMITTED)
FINISHED_STATUSES = (ItemStatus.APPROVED, ItemStatus.CANCELLED)


class ItemSource(models.TextChoices):
    MANUAL = "manual", "手工创建"
    WARNING = "warning", "监测预警"
    PROBLEM = "problem", "问题整治清单"
    PLAN = "plan", "年度计划导入"
    LEDGER = "ledger", "台账导入"
    ESCALATION = "escalation", "逾期升级督办"
    INTERVIEW = "interview", "约谈承诺"
    SPLIT = "split", "任务分解"


class Priority(models.TextChoices):
    NORMAL = "normal", "一般"
    HIGH = "high", "重要"
    URGENT = "urgent", "紧急"


class WorkItem(models.Model):
    """A 任务: issued by a unit to a department or a region (optionally a person), tracked to 办结."""

    code = models.CharField("任务编号", max_length=40, unique=True)
    title = models.CharField("任务名称", max_length=200)
    description = models.TextField("任务说明", blank=True)
    kind = models.CharField("任务类型", max_length=20, choices=ItemKind.choices, default=ItemKind.ANNUAL)
    status = models.CharField("状态", max_length=15, choices=ItemStatus.choices, default=ItemStatus.DRAFT,
                              db_index=True)
    priority = models.CharField("优先级", max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    indicator_codes = models.JSONField("涉及指标", default=list, blank=True)
    issuer_department = models.ForeignKey("organisations.Department", verbose_name="下发单位（部门）", null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="issued_items")
    issuer_region = models.ForeignKey("organisations.Region", verbose_name="下发单位（地区）", null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="issued_items")
    assignee_department = models.ForeignKey("organisations.Department", verbose_name="责任单位（部门）", null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="work_items")
    assignee_region = models.ForeignKey("organisations.Region", verbose_name="责任单位（地区）", null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="work_items")
    assignee_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="work_items")
    co_departments = models.ManyToManyField("organisations.Department", verbose_name="协办部门", blank=True,
                                            related_name="co_work_items")
    co_regions = models.ManyToManyField("organisations.Region", verbose_name="协办地区", blank=True,
                                        related_name="co_work_items")
    scope_region = models.ForeignKey("organisations.Region", verbose_name="所属区域", on_delete=models.PROTECT,
                                     related_name="+", help_text="责任地区，或责任部门所属的区域；决定谁能看到")
    deadline = models.DateField("完成时限", null=True, blank=True, db_index=True)
    deadline_workdays = models.PositiveSmallIntegerField("自下发起的工作日数", null=True, blank=True)
    issued_on = models.DateField("下发日期", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    submitted_on = models.DateField("申请办结日期", null=True, blank=True)
    approved_on = models.DateField("办结日期", null=True, blank=True, db_index=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    supervise_count = models.PositiveIntegerField("督办次数", default=0)
    transfer_count = models.PositiveIntegerField("转办次数", default=0)
    status_reason = models.TextField("退回、审核退回或撤销理由", blank=True)
    source = models.CharField("任务来源", max_length=20, choices=ItemSource.choices, default=ItemSource.MANUAL)
    warning = models.ForeignKey("monitoring.Warning", verbose_name="来源预警", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="work_items")
    problem = models.ForeignKey("workflows.ProblemListItem", verbose_name="来源问题整治清单", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="work_items")
    interview = models.ForeignKey("workflows.Interview", verbose_name="来源约谈", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="work_items")
    import_batch = models.CharField("导入批次", max_length=64, blank=True)
    parent = models.ForeignKey("self", verbose_name="上级任务（分解自）", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = verbose_name
        ordering = ("-id",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignee_department__isnull=False) | models.Q(assignee_region__isnull=False),
                name="work_item_has_assignee"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="work_item_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def assignee_name(self) -> str:
        unit = self.assignee_department or self.assignee_region
        name = unit.name if unit else ""
        if self.assignee_user_id:
            name += f"（{self.assignee_user.display_name}）"
        return name

    @property
    def issuer_name(self) -> str:
        unit = self.issuer_department or self.issuer_region
        return unit.name if unit else "营商办"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ItemEvent(models.Model):
    """One step on an item's timeline: who did what, when, from which status to which, with what words."""

    item = models.ForeignKey(WorkItem, verbose_name="任务", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField("操作人姓名", max_length=100, blank=True)
    unit_name = models.CharField("操作单位", max_length=100, blank=True)
    status_from = models.CharField("原状态", max_length=15, blank=True)
    status_to = models.CharField("新状态", max_length=15, blank=True)
    text = models.TextField("内容", blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", null=True, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "任务办理记录"
        verbose_name_plural = verbose_name
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.item.code} {self.action}"


class ItemFile(models.Model):
    """An attachment of an item (on creation) or evidence of one of its steps (feedback), stored outside static."""

    item = models.ForeignKey(WorkItem, verbose_name="任务", on_delete=models.CASCADE, related_name="files")
    event = models.ForeignKey(ItemEvent, verbose_name="办理记录", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="files")
    path = models.CharField("存储位置", max_length=300)
    original_name = models.CharField("文件名", max_length=255)
    kind = models.CharField("文件类型", max_length=10)
    content_type = models.CharField("MIME 类型", max_length=100)
    size_bytes = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "任务附件"
        verbose_name_plural = verbose_name
        ordering = ("id",)

    def __str__(self) -> str:
        return self.original_name


# ---------------------------------------------------------------------------------------------------------
# Escalation: 提醒 → 提醒函 → 督办 → 约谈


class EscalationTarget(models.TextChoices):
    WARNING = "warning", "预警"
    ITEM = "item", "任务"


class EscalationStep(models.TextChoices):
    REMIND = "remind", "提醒"
    LETTER = "letter", "提醒函"
    SUPERVISE = "supervise", "督办"
    INTERVIEW = "interview", "约谈"


class EscalationRule(models.Model):
    """A step the daily escalation takes once a warning or item has been left unattended for N working days."""

    target = models.CharField("对象", max_length=10, choices=EscalationTarget.choices)
    step = models.CharField("升级措施", max_length=10, choices=EscalationStep.choices)
    after_workdays = models.PositiveSmallIntegerField("无人办理满几个工作日")
    severities = models.JSONField("预警等级范围", default=list, blank=True, help_text="空为全部等级；仅对预警有效")
    enabled = models.BooleanField("启用", default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "升级督办规则"
        verbose_name_plural = verbose_name
        ordering = ("target", "after_workdays", "id")
        constraints = [models.UniqueConstraint(fields=("target", "step"), name="escalation_rule_one_per_step")]

    def __str__(self) -> str:
        return f"{self.get_target_display()}：{self.after_workdays} 个工作日后{self.get_step_display()}"


class Letter(models.Model):
    """A numbered 提醒函 (or 督办函) to a unit, generated from the office's Word template."""

    number = models.CharField("文号", max_length=60, unique=True)
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    title = models.CharField("标题", max_length=200)
    recipient_department = models.ForeignKey("organisations.Department", verbose_name="收函单位（部门）", null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="letters")
    recipient_region = models.ForeignKey("organisations.Region", verbose_name="收函单位（地区）", null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="letters")
    scope_region = models.ForeignKey("organisations.Region", verbose_name="所属区域", on_delete=models.PROTECT,
                                     related_name="+")
    warning = models.ForeignKey("monitoring.Warning", verbose_name="预警", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="letters")
    item = models.ForeignKey(WorkItem, verbose_name="任务", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="letters")
    indicator_name = models.CharField("指标", max_length=200, blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    facts = models.JSONField("函件中的数据", default=dict, blank=True)
    path = models.CharField("Word 文件存储位置", max_length=300)
    sha256 = models.CharField("SHA-256", max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发函人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("发函时间", auto_now_add=True)

    class Meta:
        verbose_name = "提醒函"
        verbose_name_plural = verbose_name
        ordering = ("-year", "-seq")
        constraints = [models.UniqueConstraint(fields=("year", "seq"), name="letter_number_per_year")]

    def __str__(self) -> str:
        return self.number


class DocumentTemplate(models.Model):
    """A Word template the office has replaced (the shipped one is used while none is uploaded)."""

    key = models.CharField("模板", max_length=40, unique=True)
    path = models.CharField("存储位置", max_length=300)
    original_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.original_name


class Interview(models.Model):
    """A 约谈 record: who was interviewed about which warning or item, the minutes and the commitments made."""

    warning = models.ForeignKey("monitoring.Warning", verbose_name="预警", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="interviews")
    item = models.ForeignKey(WorkItem, verbose_name="任务", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="interviews")
    department = models.ForeignKey("organisations.Department", verbose_name="被约谈单位（部门）", null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="interviews")
    region = models.ForeignKey("organisations.Region", verbose_name="被约谈单位（地区）", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="interviews")
    scope_region = models.ForeignKey("organisations.Region", verbose_name="所属区域", on_delete=models.PROTECT,
                                     related_name="+")
    held_on = models.DateField("约谈日期")
    place = models.CharField("地点", max_length=100, blank=True)
    participants = models.TextField("参加人员")
    minutes = models.TextField("约谈纪要")
    commitments = models.JSONField("整改承诺", default=list, blank=True,
                                   help_text="[{text, deadline}]；每条承诺生成一项任务")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "约谈记录"
        verbose_name_plural = verbose_name
        ordering = ("-held_on", "-id")

    def __str__(self) -> str:
        return f"约谈（{self.held_on.isoformat()}）"


class Escalation(models.Model):
    """One escalation step taken on a warning or an item (each step once per target)."""

    target = models.CharField("对象", max_length=10, choices=EscalationTarget.choices)
    warning = models.ForeignKey("monitoring.Warning", verbose_name="预警", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="escalations")
    item = models.ForeignKey(WorkItem, verbose_name="任务", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="escalations")
    step = models.CharField("升级措施", max_length=10, choices=EscalationStep.choices)
    rule = models.ForeignKey(EscalationRule, verbose_name="依据规则", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="escalations")
    workdays = models.PositiveSmallIntegerField("已无人办理的工作日数", default=0)
    note = models.TextField("说明", blank=True)
    letter = models.ForeignKey(Letter, verbose_name="提醒函", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_item = models.ForeignKey(WorkItem, verbose_name="督办任务", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    interview = models.ForeignKey(Interview, verbose_name="约谈记录", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="escalations")
    on = models.DateField("日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "升级督办记录"
        verbose_name_plural = verbose_name
        ordering = ("on", "id")
        constraints = [
            models.UniqueConstraint(fields=("warning", "step"), condition=models.Q(warning__isnull=False),
                                    name="escalation_once_per_warning_step"),
            models.UniqueConstraint(fields=("item", "step"), condition=models.Q(item__isnull=False),
                                    name="escalation_once_per_item_step"),
        ]

    def __str__(self) -> str:
        return self.get_step_display()


# ---------------------------------------------------------------------------------------------------------
# 问题整治清单


class ProblemStatus(models.TextChoices):
    PROPOSED = "proposed", "待确认"
    CONFIRMED = "confirmed", "整治中"
    DONE = "done", "已完成"
    DISMISSED = "dismissed", "不列入"


class ProblemListItem(models.Model):
    """An entry of the city's 问题整治清单: a problem seen in many regions (or recurring), 由点到面."""

    code = models.CharField("清单编号", max_length=40, unique=True)
    title = models.CharField("问题", max_length=200)
    indicator_code = models.CharField("指标编码", max_length=100, db_index=True)
    indicator_name = models.CharField("指标", max_length=200)
    level1_code = models.CharField("一级指标编码", max_length=100, blank=True)
    period = models.CharField("时期", max_length=10)
    reason = models.CharField("列入依据", max_length=20, choices=(("spread", "多地同时预警"), ("recurrence", "问题反复出现")))
    regions = models.JSONField("涉及地区", default=list, help_text="[地区编码]")
    warnings = models.ManyToManyField("monitoring.Warning", verbose_name="相关预警", blank=True,
                                      related_name="problem_items")
    evidence = models.TextField("依据说明")
    status = models.CharField("状态", max_length=15, choices=ProblemStatus.choices, default=ProblemStatus.PROPOSED,
                              db_index=True)
    lead_department = models.ForeignKey("organisations.Department", verbose_name="牵头部门", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="problem_items")
    deadline = models.DateField("整治时限", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decision_note = models.TextField("确认或不列入说明", blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    class Meta:
        verbose_name = "问题整治清单"
        verbose_name_plural = verbose_name
        ordering = ("-period", "-id")
        constraints = [models.UniqueConstraint(fields=("indicator_code", "period", "reason"),
                                               name="problem_once_per_indicator_period")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
