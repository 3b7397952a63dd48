"""The workflows part of `bizenv demo`: a year of 任务督办 in every state, the 问题整治清单, letters and an interview.

Over the twelve months before today (`core.clock.today()`), the office issues the year's plan tasks to the
departments (one split into county sub-items), evidence collections for the provincial evaluation, county case
collections and the quarter's data, rectification tasks from the demo's warnings and supervision items; each is
handled through the services on the day it happened — accepted, fed back, submitted, approved on time or late,
rejected once, transferred, returned and re-issued, supervised, cancelled, or still waiting today — so its timeline,
its dates and the on-time rate read as a year of work (high, not 100 %). Every unit that acts has an account (经办人);
the demo's `county` (东城区) and `dept` (市市场监管局) users have items waiting for them and the office has submissions
to review. The 问题整治清单 is proposed from the warnings of a month half a year ago (two problems listed and
finished, the rest not listed) and of the latest month (one listed and under way, one not listed, the others
waiting for the office). Letters and an interview come from the escalation services when they are installed.

Each step is idempotent: an item is keyed by its `import_batch` (示范数据-…) and made once; the list items, letters
and the interview are made once. Deadlines stay within the years the working-day calendar covers.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import Argon2PasswordHasher

DEMO_KEY = "示范数据"
ACCOUNT_PREFIX = "jb_"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["海燕", "建华", "志强", "丽萍", "国庆", "晓明", "秀英", "春梅", "卫东", "红霞", "立新", "文静", "明辉",
         "雪梅", "振华", "玉兰", "德胜", "桂芳", "永刚", "婷婷", "子涵", "俊杰", "佳怡", "浩然", "思远", "欣怡",
         "宏伟", "淑华", "家豪", "美玲", "建军", "慧敏", "鹏飞", "晓东", "丹丹", "伟强", "秋菊", "少华"]

FEEDBACK = [
    "已召开专题推进会，明确责任分工和时间节点。",
    "已完成现状梳理，形成问题清单和整改方案，正在逐项推进。",
    "已印发实施方案，并组织窗口人员开展业务培训。",
    "已与相关部门完成数据对接联调，系统试运行正常。",
    "主要措施已落地，正在收集办件数据评估成效。",
    "已压减办理环节两个，承诺时限缩短三分之一。",
    "已完成首批事项改造，剩余事项按计划推进。",
]
SUBMIT = ["各项措施已落实到位，佐证材料已上传，申请办结。", "已按要求完成，附工作总结和佐证材料，请审核。",
          "整改已完成，近两月办件数据已回落至正常水平，申请办结。"]
REJECT = ["佐证材料不全，请补充落实前后的办件数据对比。", "整改措施未覆盖全部问题环节，请补充说明后重新提交。",
          "请补充印发文件的正式文本和实施情况。"]
SUPERVISE = ["该任务已超过完成时限，请于 3 个工作日内反馈进展并说明原因。", "请加快推进，确保按期办结，并每周反馈进展。",
             "市领导对此事项高度关注，请主要负责同志亲自督促落实。"]


@contextmanager
def _quick_hashing():
    """The 经办人 accounts' passwords hashed with low-cost argon2 (same algorithm and format; ~0.3 s each at the
    configured cost would add seconds to the demo): Django re-hashes them at the configured cost at their first
    login (the hasher's must_update)."""
    from django.conf import settings
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=[f"{__name__}.QuickArgon2PasswordHasher", *settings.PASSWORD_HASHERS]):
        yield


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 at low cost, for the 经办人 accounts only (see _quick_hashing)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def _user(username: str):
    from bizenv.organisations.models import User

    return User.objects.filter(username=username).first()


@dataclass
class Plan:
    """One item of the demo: what it is, to whom, when, and how it went."""

    key: str
    title: str
    kind: str
    source: str
    assignee: str  # a department or region code
    issued: date
    deadline: date
    outcome: str
    indicators: tuple[str, ...] = ()
    description: str = ""
    priority: str = "normal"
    warning_id: int | None = None
    extra: dict = field(default_factory=dict)


class World:
    """Today, the calendar, the units' accounts and the clock the demo's history runs on."""

    def __init__(self, *, today: date, progress: Callable[[str], object]):
        from bizenv.workdays.calendar import WorkCalendar

        self.today = today
        self.calendar = WorkCalendar.load()
        covered = [y for y in self.calendar.covered_years if y <= today.year + 1]
        self.end = date(max(covered), 12, 31) if covered else today
        self.rng = random.Random("bizenv-demo-workflows")
        self.progress = progress
        self.office = _user("office")
        self.reviewer = _user("reviewer") or self.office
        self.users: dict[str, object] = {}
        self._minutes: dict[date, int] = {}
        self.accounts_made = 0

    # -- days -----------------------------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        if self.calendar.covers(day.year):
            return self.calendar.is_workday(day)
        return day.weekday() < 5

    def back(self, day: date) -> date:
        """The working day on or before `day`."""
        for _ in range(15):
            if self.is_workday(day):
                return day
            day -= timedelta(days=1)
        return day

    def ahead(self, day: date) -> date:
        """The working day on or after `day`."""
        for _ in range(15):
            if self.is_workday(day):
                return day
            day += timedelta(days=1)
        return day

    def day(self, offset: int) -> date:
        """A working day `offset` calendar days from today (on or before it for the past)."""
        day = self.today + timedelta(days=offset)
        return self.back(day) if offset <= 0 else self.ahead(day)

    def deadline(self, day: date) -> date:
        """A deadline on a working day, within the calendar's years."""
        return self.back(min(day, self.end))

    def at(self, start: date, end: date, frac: float) -> date:
        """A working day a fraction of the way from `start` to `end` (never before `start`)."""
        day = start + timedelta(days=round((end - start).days * frac))
        day = self.back(day)
        return max(day, start)

    # -- the clock of the history -----------------------------------------------------------------------
    @contextmanager
    def on(self, day: date, *, also: Sequence = ()):
        """Act as if today were `day`: the services date what they do by it; the timeline, messages and files
        written meanwhile are stamped with that day (unread messages only for the last week)."""
        from django.test.utils import override_settings

        from bizenv.core.clock import CHINA
        from bizenv.monitoring.models import Notification
        from bizenv.workflows.models import ItemEvent

        models = [(ItemEvent, "at"), (Notification, "created_at"), *also]
        marks = [model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for model, _f in models]
        with override_settings(BIZENV_TODAY=day.isoformat()):
            yield
        minute = self._minutes.get(day, 0)
        self._minutes[day] = minute + 7
        stamp = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=CHINA) + timedelta(minutes=minute % 540)
        for (model, name), mark in zip(models, marks, strict=True):
            changes = {name: stamp}
            if model is Notification and day < self.today - timedelta(days=7):
                changes["read_at"] = stamp + timedelta(hours=2)
            model.objects.filter(pk__gt=mark).update(**changes)

    # -- the units and who acts for them ----------------------------------------------------------------
    def unit(self, code: str):
        from bizenv.organisations.models import Department, Region

        department = Department.objects.filter(code=code).first()
        if department is not None:
            return department, None
        return None, Region.objects.get(code=code)

    def user_for(self, department=None, region=None):
        """The account acting for a unit: the demo's `dept` and `county` users for theirs, otherwise the unit's
        经办人 (made on first use: jb_<unit code>, the demo password)."""
        from bizenv.demo.regions import DEMO_PASSWORD
        from bizenv.organisations import services
        from bizenv.organisations.models import Role, RoleGrant

        unit = department or region
        if unit is None:
            return self.office
        if department is not None and department.pk == self.office.department_id:
            return self.office
        key = unit.code
        if key in self.users:
            return self.users[key]
        found = None
        if department is not None:
            dept_user = _user("dept")
            if dept_user is not None and dept_user.department_id == department.pk:
                found = dept_user
        else:
            county = _user("county")
            grant = RoleGrant.objects.filter(user=county, role=Role.COUNTY).first() if county else None
            if grant is not None and grant.region_id == region.pk:
                found = county
        if found is None:
            username = f"{ACCOUNT_PREFIX}{key}"
            found = _user(username)
            if found is None:
                from bizenv.organisations.models import Region

                number = int.from_bytes(key.encode("utf-8"), "little") % (len(SURNAMES) * len(GIVEN))
                name = SURNAMES[number % len(SURNAMES)] + GIVEN[number // len(SURNAMES) % len(GIVEN)]
                with _quick_hashing():
                    found = services.user_create(actor=None, username=username, password=DEMO_PASSWORD,
                                                 full_name=name, department=department)
                if department is not None:
                    role, where = Role.DEPARTMENT, department.region or Region.objects.filter(parent=None).first()
                else:
                    role, where = Role.COUNTY, region
                services.role_grant_add(actor=None, user=found, role=role, region=where)
                self.accounts_made += 1
        self.users[key] = found
        return found

    def actor(self, item, who: str):
        if who == "O":
            return self.office
        if who == "R":
            return self.reviewer
        if who == "I":
            return self.user_for(item.issuer_department, item.issuer_region)
        if who == "C":
            co = item.co_departments.first()
            return self.user_for(co, None)
        return self.user_for(item.assignee_department, item.assignee_region)


# -------------------------------------------------------------------------------------------------------------
# How an item went: the steps of each outcome, dated between its issue and today


Step = tuple  # (day, who, action, data)


def _script(world: World, outcome: str, issued: date, deadline: date, extra: dict) -> list[Step]:
    rng = world.rng
    last = world.back(world.today - timedelta(days=1))
    end = min(deadline, last)
    at = world.at
    fb = lambda: rng.choice(FEEDBACK)  # noqa: E731

    def accept(start: date, stop: date) -> date:
        """Accepted within a few days of the issue (never after `stop`)."""
        return min(at(start, stop, 0.08), world.ahead(start + timedelta(days=rng.choice((0, 1, 1, 2, 3)))), stop)
    files = extra.get("files", False)

    def approved(start: date, stop: date, *, reject: bool = False, supervise: bool = False) -> list[Step]:
        steps = [(accept(start, stop), "A", "accept", {}),
                 (at(start, stop, 0.35), "A", "feedback", {"reason": fb(), "progress": rng.choice((20, 30, 40))})]
        if supervise:
            steps.append((at(start, stop, 0.5), "O", "supervise", {"reason": SUPERVISE[1]}))
        steps.append((at(start, stop, 0.62), "A", "feedback", {"reason": fb(), "progress": rng.choice((60, 70, 80))}))
        if reject:
            steps += [(at(start, stop, 0.7), "A", "submit", {"reason": rng.choice(SUBMIT)}),
                      (at(start, stop, 0.75), rng.choice("OR"), "reject", {"reason": rng.choice(REJECT)}),
                      (at(start, stop, 0.82), "A", "feedback", {"reason": "已按审核意见补充材料。", "progress": 90})]
        steps += [(at(start, stop, 0.9), "A", "submit", {"reason": rng.choice(SUBMIT), "files": files}),
                  (at(start, stop, rng.choice((0.95, 1.0))), rng.choice("OOR"), "approve", {})]
        return steps

    if outcome == "approved":
        return approved(issued, end)
    if outcome == "rejected":
        return approved(issued, end, reject=True)
    if outcome == "supervised":
        return approved(issued, end, supervise=True)
    if outcome == "late":
        finish = min(last, world.ahead(deadline + timedelta(days=extra.get("late_days", 6))))
        return [(accept(issued, deadline), "A", "accept", {}),
                (at(issued, deadline, 0.6), "A", "feedback", {"reason": fb(), "progress": 50}),
                (world.ahead(deadline + timedelta(days=1)), "O", "supervise", {"reason": SUPERVISE[0]}),
                (at(deadline, finish, 0.6), "A", "submit", {"reason": "因涉及多部门协调有所延迟，现已完成，申请办结。",
                                                            "files": files}),
                (finish, "O", "approve", {})]
    if outcome == "transfer":
        moved = world.ahead(issued + timedelta(days=1))
        return [(moved, "A", "transfer", {"reason": extra["why"], "to": extra["to"]}),
                *approved(moved, end)]
    if outcome == "reissue":
        back = world.ahead(issued + timedelta(days=1))
        again = world.ahead(back + timedelta(days=1))
        return [(back, "A", "return", {"reason": extra["why"]}),
                (again, "O", "update", {"to": extra["to"]}), (again, "O", "issue", {}),
                *approved(again, end)]
    if outcome == "returned":
        return [(min(last, world.ahead(issued + timedelta(days=1))), "A", "return", {"reason": extra["why"]})]
    if outcome == "in_progress":
        accepted = min(last, world.ahead(issued + timedelta(days=2)))
        steps = [(accepted, "A", "accept", {})]
        if (last - accepted).days > 3:
            steps.append((at(accepted, last, 0.5), "A", "feedback", {"reason": fb(), "progress": 30}))
        if (last - accepted).days > 20:
            steps.append((at(accepted, last, 0.9), "A", "feedback", {"reason": fb(), "progress": 60}))
        return steps
    if outcome == "accepted":
        return [(min(last, world.ahead(issued + timedelta(days=1))), "A", "accept", {})]
    if outcome == "submitted":
        stop = last
        return [(accept(issued, stop), "A", "accept", {}),
                (at(issued, stop, 0.5), "A", "feedback", {"reason": fb(), "progress": 70}),
                (stop, "A", "submit", {"reason": rng.choice(SUBMIT), "files": files})]
    if outcome == "overdue":
        first = world.ahead(deadline + timedelta(days=2))
        steps = [(accept(issued, deadline), "A", "accept", {}),
                 (at(issued, deadline, 0.6), "A", "feedback", {"reason": fb(), "progress": 40}),
                 (min(first, last), "O", "supervise", {"reason": SUPERVISE[0]})]
        if (last - first).days > 7:
            steps += [(at(first, last, 0.4), "A", "feedback",
                       {"reason": "已制定追赶计划，涉及的系统改造需供应商配合，预计两周内完成。", "progress": 60}),
                      (at(first, last, 0.8), "O", "supervise", {"reason": SUPERVISE[2]})]
        return steps
    if outcome == "cancelled":
        stop = min(end, last)
        return [(accept(issued, stop), "A", "accept", {}),
                (at(issued, stop, 0.4), "O", "cancel", {"reason": extra["why"]})]
    if outcome in ("issued", "draft"):
        return []
    raise ValueError(outcome)


def _spec(world: World, plan: Plan, *, warning=None):
    from bizenv.workflows.services import ItemSpec

    department, region = world.unit(plan.assignee)
    return ItemSpec(title=plan.title, description=plan.description, kind=plan.kind, source=plan.source,
                    priority=plan.priority, indicator_codes=plan.indicators, assignee_department=department,
                    assignee_region=region, deadline=plan.deadline, warning=warning,
                    import_batch=f"{DEMO_KEY}-{plan.key}")


def _evidence(title: str, unit: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bizenv.demo.monitoring import _evidence_docx

    content = _evidence_docx(f"{title}完成情况", title, "；".join(FEEDBACK[:3]), unit)
    return SimpleUploadedFile(f"{title[:30]}完成情况.docx", content,
                              content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def _act(world: World, item, steps: Sequence[Step]) -> None:
    from bizenv.workflows.services import ActionInput, ItemSpec, item_act, item_update

    last = world.back(world.today - timedelta(days=1))
    previous = None
    for day, who, action, data in steps:
        day = min(max(day, previous) if previous else day, last)
        previous = day
        item.refresh_from_db()
        actor = world.actor(item, who)
        data = dict(data)
        with world.on(day, also=_file_models() if data.get("files") else ()):
            if action == "update":
                department, region = world.unit(data["to"])
                spec = ItemSpec(title=item.title, description=item.description, kind=item.kind,
                                priority=item.priority, indicator_codes=item.indicator_codes,
                                assignee_department=department, assignee_region=region, deadline=item.deadline)
                item_update(actor=actor, item=item, spec=spec)
                continue
            if action == "transfer":
                department, region = world.unit(data.pop("to"))
                data.update(to_department=department, to_region=region)
            if data.pop("files", False):
                data["files"] = [_evidence(item.title, item.assignee_name)]
            item_act(actor=actor, item=item, action=action, data=ActionInput(**data))


def _item_models():
    from bizenv.workflows.models import WorkItem

    return ((WorkItem, "created_at"),)


def _file_models():
    from bizenv.workflows.models import ItemFile

    return ((ItemFile, "uploaded_at"),)


def _build(world: World, plan: Plan) -> None:
    """Make one item on its issue day and walk it through its outcome."""
    from bizenv.monitoring.models import Warning
    from bizenv.workflows.services import item_create

    warning = Warning.objects.filter(pk=plan.warning_id).first() if plan.warning_id else None
    with world.on(plan.issued, also=_item_models()):
        item = item_create(actor=world.office, spec=_spec(world, plan, warning=warning),
                           issue=plan.outcome != "draft")
    if plan.outcome.startswith("split"):
        _split(world, item, plan)
        return
    _act(world, item, _script(world, plan.outcome, plan.issued, plan.deadline, plan.extra))


def _split(world: World, item, plan: Plan) -> None:
    """The lead department accepts, splits the task among three counties, reviews their sub-items and submits."""
    from bizenv.workflows.services import ActionInput, ItemSpec, item_act

    last = world.back(world.today - timedelta(days=1))
    accepted = world.ahead(plan.issued + timedelta(days=2))
    split_on = world.ahead(plan.issued + timedelta(days=6))
    sub_deadline = world.deadline(plan.deadline - timedelta(days=10))
    _act(world, item, [(accepted, "A", "accept", {})])
    specs = []
    for code in plan.extra["regions"]:
        _department, region = world.unit(code)
        specs.append(ItemSpec(title=f"{region.name}{plan.extra['child']}", assignee_region=region,
                              deadline=sub_deadline, description=f"分解自“{plan.title}”。",
                              import_batch=f"{DEMO_KEY}-{plan.key}-{code}"))
    with world.on(split_on, also=_item_models()):
        item_act(actor=world.user_for(item.assignee_department, None), item=item, action="split",
                 data=ActionInput(reason="按县区分解落实", children=specs))
    children = list(item.children.order_by("id"))
    outcomes = plan.extra["outcomes"]
    for child, outcome in zip(children, outcomes, strict=True):
        steps = _script(world, outcome, split_on, sub_deadline, {"files": True})
        # the department (the sub-items' issuer) reviews them, not the office
        _act(world, child, [(d, "I" if who in "OR" and action in ("approve", "reject") else who, action, data)
                            for d, who, action, data in steps])
    if plan.outcome == "split_done":
        done = max(c.approved_on for c in item.children.all())
        _act(world, item, [(world.ahead(done + timedelta(days=1)), "A", "feedback",
                            {"reason": "三个县区子任务均已办结，正在汇总成效。", "progress": 90}),
                           (world.ahead(done + timedelta(days=2)), "A", "submit",
                            {"reason": "各县区已全部完成，汇总材料已上传。", "files": True}),
                           (min(last, world.ahead(done + timedelta(days=3))), "O", "approve", {})])
    else:
        _act(world, item, [(min(last, world.ahead(split_on + timedelta(days=10))), "A", "feedback",
                            {"reason": "已分解至三个县区，正在跟踪推进。", "progress": 40})])


# -------------------------------------------------------------------------------------------------------------
# What the year held


def _annual(world: World) -> list[Plan]:
    from bizenv.workflows.models import ItemKind, ItemSource

    issued = world.day(-290)
    year = issued.year
    rows = [
        # (key, department, title, indicators, deadline offset, outcome, extra)
        ("A01", "samr", "推行企业开办“一网通办”，全流程压缩至 1 个工作日内", ("starting_business",), -160, "approved", {}),
        ("A02", "samr", "推广电子营业执照和电子印章同步免费发放", ("starting_business.convenience",), -70, "split_done",
         {"regions": ("990121", "990124", "990126"), "child": "电子营业执照和电子印章同步发放",
          "outcomes": ("approved", "rejected", "approved")}),
        ("A03", "samr", "深化“双随机、一公开”跨部门联合监管", ("market_supervision.double_random",), -5, "approved",
         {"files": True}),
        ("A04", "samr", "开展知识产权质押融资入园惠企行动", ("intellectual_property.utilization",), 25, "split_open",
         {"regions": ("990102", "990122", "990125"), "child": "知识产权质押融资入园惠企行动",
          "outcomes": ("in_progress", "submitted", "approved")}),
        ("A05", "housing", "工程建设项目审批全流程压缩至 80 个工作日以内", ("construction_permits.time",), -160, "rejected",
         {"files": True}),
        ("A06", "housing", "推行水电气网联合报装“一件事一次办”", ("getting_water", "getting_gas"), -70, "approved", {}),
        ("A07", "housing", "施工图审查数字化交付全覆盖", ("construction_permits.convenience",), 25, "in_progress", {}),
        ("A08", "natural_resources", "不动产登记“交房即交证”常态化", ("registering_property",), -160, "approved", {}),
        ("A09", "natural_resources", "不动产登记与水电气网过户联动办理", ("registering_property.convenience",), -9, "late",
         {"late_days": 4}),
        ("A10", "power_supply", "低压小微企业用电报装“三零”服务全覆盖", ("getting_electricity",), -240, "approved", {}),
        ("A11", "power_supply", "高压用户接电时间压减至 40 个工作日以内", ("getting_electricity.time",), -70, "supervised",
         {}),
        ("A12", "tax", "推行“非接触式”办税缴费，网上申报率达 98% 以上", ("paying_taxes",), -160, "approved", {}),
        ("A13", "tax", "纳税人年度纳税时间压减至 100 小时以内", ("paying_taxes.time",), -5, "approved", {"files": True}),
        ("A14", "gov_services", "政务服务事项“一网通办”率达到 95% 以上", ("government_services.one_network",), -160,
         "approved", {}),
        ("A15", "gov_services", "扩大高频事项“跨省通办”清单", ("government_services",), -70, "approved", {}),
        ("A16", "gov_services", "政务服务“好差评”差评整改率 100%", ("government_services.satisfaction",), 25, "submitted",
         {"files": True}),
        ("A17", "public_resources_trading", "公共资源交易全流程电子化、不见面开标", ("bidding_tendering.e_procurement",),
         -70, "approved", {}),
        ("A18", "court", "商事案件平均审理周期压缩至 90 天以内", ("enforcing_contracts.time",), -70, "approved", {}),
        ("A19", "court", "建立企业破产处置府院联动机制", ("resolving_insolvency",), -160, "approved", {}),
        ("A20", "hrss", "社保登记与企业开办同步办理", ("labor_market_regulation",), -240, "approved", {}),
        ("A21", "pbc", "普惠小微贷款增速不低于各项贷款平均增速", ("getting_credit.inclusive_loan_growth",), 25,
         "in_progress", {}),
        ("A22", "pbc", "拓展“信易贷”平台入驻企业和金融机构", ("getting_credit.financing_convenience",), -70, "approved",
         {}),
        ("A23", "customs", "进出口整体通关时间较上年压减三分之一", ("trading_across_borders",), -5, "approved", {}),
        ("A24", "finance", "政府采购全流程电子化，全面取消投标保证金", ("government_procurement",), -160, "approved", {}),
        ("A25", "science_tech", "高新技术企业培育入库倍增行动", ("inclusive_innovation.entrepreneurship",), 25,
         "in_progress", {}),
        ("A26", "industry", "重点工业园区供电可靠性提升专项行动", ("getting_electricity.reliability",), -40, "overdue", {}),
        ("A27", "commerce", "外资企业服务专员制度全覆盖", ("inclusive_innovation.market_openness",), -160, "cancelled",
         {"why": "省级评价指标调整，该任务并入“市场开放度”专项统一推进，予以撤销。"}),
        ("A28", "housing", "推行施工许可与人防审查合并办理", ("construction_permits.steps",), -70, "transfer",
         {"to": "civil_air_defense", "why": "人防工程审查由市人防办负责，转其牵头办理。"}),
    ]
    plans = []
    for key, dept, title, codes, offset, outcome, extra in rows:
        plans.append(Plan(key=key, title=title, kind=ItemKind.ANNUAL, source=ItemSource.PLAN, assignee=dept,
                          issued=issued, deadline=world.deadline(world.day(offset)), outcome=outcome, indicators=codes,
                          description=f"{year}年度优化营商环境工作任务：{title}。请按季度反馈进展，按期完成。",
                          priority="high" if outcome.startswith("split") else "normal", extra=extra))
    summary_issue = world.day(-362)
    for key, dept, title in (("A90", "samr", "开办企业"), ("A91", "housing", "办理建筑许可"),
                             ("A92", "gov_services", "政务服务")):
        plans.append(Plan(key=key, title=f"{summary_issue.year}年度{title}指标工作总结及评价迎检材料报送",
                          kind=ItemKind.MATERIALS, source=ItemSource.MANUAL, assignee=dept, issued=summary_issue,
                          deadline=world.deadline(world.day(-345)), outcome="approved"))
    return plans


def _collections(world: World) -> list[Plan]:
    from bizenv.workflows.models import ItemKind, ItemSource

    plans = []
    provincial = world.day(-250)
    due = world.deadline(world.calendar.workday_add(provincial, 7) if world.calendar.covers(provincial.year)
                         else provincial + timedelta(days=9))
    rows = [("B01", "samr", "开办企业", "approved", {}), ("B02", "housing", "办理建筑许可", "approved", {}),
            ("B03", "natural_resources", "登记财产", "approved", {}), ("B04", "power_supply", "获得电力", "approved", {}),
            ("B05", "tax", "纳税", "rejected", {}), ("B06", "court", "执行合同", "late", {"late_days": 3}),
            ("B07", "pbc", "获得信贷", "approved", {}), ("B08", "gov_services", "政务服务", "approved", {}),
            ("B09", "customs", "跨境贸易", "approved", {}), ("B10", "hrss", "劳动力市场监管", "approved", {}),
            ("B11", "natural_resources", "获得用水", "reissue",
             {"why": "获得用水指标由市住房城乡建设局牵头，本局不掌握相关材料。", "to": "housing"})]
    for key, dept, name, outcome, extra in rows:
        plans.append(Plan(key=key, title=f"{provincial.year}年度全省营商环境评价“{name}”指标佐证材料征集",
                          kind=ItemKind.MATERIALS, source=ItemSource.MANUAL, assignee=dept, issued=provincial,
                          deadline=due, outcome=outcome, extra={"files": True, **extra},
                          description=f"请按省评价指标说明，报送“{name}”指标的数据及佐证材料（政策文件、办件截图、系统截图等）。"))
    cases = world.day(-120)
    case_due = world.deadline(cases + timedelta(days=14))
    for key, code, outcome in (("B21", "990102", "approved"), ("B22", "990103", "approved"),
                               ("B23", "990121", "approved"), ("B24", "990122", "rejected"),
                               ("B25", "990125", "approved"), ("B26", "990181", "approved"),
                               ("B27", "990171", "approved")):
        plans.append(Plan(key=key, title="优化营商环境改革典型案例征集", kind=ItemKind.MATERIALS,
                          source=ItemSource.MANUAL, assignee=code, issued=cases, deadline=case_due, outcome=outcome,
                          extra={"files": True},
                          description="请报送本地区优化营商环境改革典型案例 1—2 个（含做法、成效和佐证材料）。"))
    quarter = world.day(-8)
    quarter_due = world.deadline(world.day(12))
    rows = [("B31", "samr", "issued"), ("B32", "housing", "in_progress"), ("B33", "gov_services", "submitted"),
            ("B34", "tax", "submitted"), ("B35", "natural_resources", "accepted"), ("B36", "990102", "issued"),
            ("B37", "990122", "in_progress"),
            ("B38", "power_supply", "returned")]
    for key, code, outcome in rows:
        plans.append(Plan(key=key, title="第四季度营商环境指标数据及佐证材料报送", kind=ItemKind.MATERIALS,
                          source=ItemSource.MANUAL, assignee=code, issued=quarter, deadline=quarter_due,
                          outcome=outcome,
                          extra={"files": True, "why": "该项数据由市工业和信息化局统计，请改由其报送。"},
                          description="请于期限内报送本季度指标数据及佐证材料，数据口径以指标说明为准。"))
    for key, dept, title in (("B41", "samr", "营商环境评价迎检材料预征集（开办企业）"),
                             ("B42", "gov_services", "营商环境评价迎检材料预征集（政务服务）")):
        plans.append(Plan(key=key, title=title, kind=ItemKind.MATERIALS, source=ItemSource.MANUAL, assignee=dept,
                          issued=world.day(-1), deadline=world.deadline(world.day(25)), outcome="draft",
                          description="草稿：待评价通知下发后再正式征集。"))
    return plans


def _supervision(world: World) -> list[Plan]:
    from bizenv.workflows.models import ItemKind, ItemSource

    rows = [
        ("D01", -330, 21, "power_supply", "企业反映北山县工业园区用电报装排队时间长，请核查办理", "approved", {}),
        ("D02", -300, 21, "samr", "12345 热线企业诉求：餐饮店许可证办理慢", "supervised", {}),
        ("D03", -270, 21, "990103", "西城区不动产登记窗口午间延时服务落实情况", "approved", {}),
        ("D04", -240, 21, "gov_services", "政务服务中心“综合窗口”改革推进情况", "rejected", {}),
        ("D05", -210, 21, "990122", "青溪县企业开办“一窗通办”落实情况", "approved", {}),
        ("D06", -180, 21, "water_supply", "供水报装“零上门”服务承诺落实情况", "approved", {}),
        ("D07", -150, 21, "natural_resources", "工程建设项目“多测合一”推进情况", "approved", {}),
        ("D08", -120, 21, "finance", "涉企收费目录清单公示情况", "approved", {}),
        ("D09", -90, 21, "industry", "中小企业账款清欠进展", "approved", {}),
        ("D10", -60, 21, "990125", "石桥县政务服务“好差评”差评整改情况", "approved", {}),
        ("D11", -40, 60, "990102", "东城区“办不成事”反映窗口运行情况", "in_progress", {}),
        ("D12", -35, 14, "990181", "企业反映临江市施工许可办理超时", "overdue", {}),
        ("D13", -20, 35, "samr", "市场主体登记“智能审批”上线进度", "in_progress", {}),
        ("D14", -10, 20, "gas_supply", "获得用气报装时间压减情况", "issued", {}),
        ("D15", -5, 20, "990102", "东城区企业开办“一日办结”承诺兑现情况", "issued", {}),
        ("D16", -25, 20, "990171", "高新区企业诉求“水电气报装一件事”办理", "cancelled",
         {"why": "企业诉求已通过“一件事”专窗办结，撤销督办。"}),
    ]
    plans = []
    for key, offset, span, code, title, outcome, extra in rows:
        issued = world.day(offset)
        plans.append(Plan(key=key, title=f"督办：{title}", kind=ItemKind.SUPERVISION, source=ItemSource.MANUAL,
                          assignee=code, issued=issued, deadline=world.deadline(issued + timedelta(days=span)),
                          outcome=outcome, priority="urgent" if outcome == "overdue" else "high", extra=extra,
                          description=f"{title}。请核实情况、限期办理，并将办理结果反馈营商办。"))
    return plans


def _rectifications(world: World) -> list[Plan]:
    """整改任务 from the demo's warnings: up to three a month whose first month is in the last year, the county's
    among them."""
    from bizenv.core.periods import Period
    from bizenv.evaluation.scoring import TOTAL
    from bizenv.monitoring.models import Warning
    from bizenv.workflows.models import ItemKind, ItemSource

    home = _home_region()
    warnings = list(Warning.objects.exclude(kind="missing_report").exclude(indicator_code=TOTAL)
                    .exclude(status="closed").select_related("region").order_by("first_period", "id"))
    months: dict[str, list] = {}
    for warning in warnings:
        months.setdefault(warning.first_period, []).append(warning)
    chosen = []
    for period in sorted(months, key=Period.parse)[-12:]:
        group = months[period]
        picked, regions = [], set()
        for warning in sorted(group, key=lambda w: (w.region.code != home, w.pk)):
            if warning.region.code in regions:
                continue
            picked.append(warning)
            regions.add(warning.region.code)
            if len(picked) == 3:
                break
        chosen += picked
    plans: list[Plan] = []
    last = world.back(world.today - timedelta(days=1))
    done_outcomes = ["approved", "approved", "rejected", "approved", "supervised", "approved", "approved"]
    counters = {"late": 0, "overdue": 0, "transfer": 0, "cancelled": 0, "home": 0}
    open_outcomes = ["in_progress", "submitted", "issued", "in_progress", "returned", "accepted", "submitted"]
    for n, warning in enumerate(chosen):
        month_end = Period.parse(warning.first_period).last_day
        issued = min(world.ahead(month_end + timedelta(days=9)), world.back(last - timedelta(days=2)))
        deadline = world.deadline(issued + timedelta(days=21))
        extra: dict = {"files": n % 3 == 0}
        if deadline < world.today:
            outcome = done_outcomes[n % len(done_outcomes)]
            if counters["late"] < 1 and n > 6 and deadline < last - timedelta(days=30):
                outcome, counters["late"] = "late", 1
                extra["late_days"] = 5
            elif counters["overdue"] < 1 and deadline > last - timedelta(days=25):
                outcome, counters["overdue"] = "overdue", 1
            elif counters["transfer"] < 1 and warning.indicator_code.startswith("getting_electricity") \
                    and warning.region.code != home:
                outcome, counters["transfer"] = "transfer", 1
                extra.update(to="power_supply", why="低压接电办理由供电企业负责，转示范供电公司办理，本区配合。")
            elif counters["cancelled"] < 1 and warning.status == "resolved" and n > 10:
                outcome, counters["cancelled"] = "cancelled", 1
                extra["why"] = "预警条件已消除并销号，整改任务不再执行。"
        else:
            outcome = open_outcomes[n % len(open_outcomes)]
            if warning.region.code == home:
                outcome = ("issued", "in_progress", "submitted")[counters["home"] % 3]
                counters["home"] += 1
            extra["why"] = f"该指标的办理环节不在{warning.region.name}，请核实责任单位后重新下发。"
        plans.append(Plan(
            key=f"W{warning.pk}", title=f"{warning.region.name}{warning.indicator_name}预警整改",
            kind=ItemKind.RECTIFICATION, source=ItemSource.WARNING, assignee=warning.region.code, issued=issued,
            deadline=deadline, outcome=outcome, indicators=(warning.indicator_code,), warning_id=warning.pk,
            priority="high" if warning.severity == "red" else "normal", extra=extra,
            description=f"{warning.explanation}\n请查找原因、制定整改措施，按期反馈整改进展。"))
    return plans


# -------------------------------------------------------------------------------------------------------------
# The 问题整治清单


def _problem_periods() -> list[str]:
    from bizenv.monitoring.selectors import monitored_periods, monitored_version

    try:
        return monitored_periods(system_version=monitored_version())
    except Exception:  # noqa: BLE001 — no published system: nothing to propose from
        return []


def _problems_then(world: World, period: str, proposed_on: date) -> None:
    """Half a year ago: the office lists two of the month's proposals (both finished since) and does not list the
    others."""
    from bizenv.workflows.models import ProblemListItem, ProblemStatus
    from bizenv.workflows.problem_services import problem_list_propose

    with world.on(proposed_on):
        problem_list_propose(actor=None, period=period)
    ProblemListItem.objects.filter(period=period, decided_at=None).update(
        created_at=dt.datetime.combine(proposed_on, dt.time(8, 30), tzinfo=_china()))
    decided_on = world.ahead(proposed_on + timedelta(days=3))
    pending = list(ProblemListItem.objects.filter(period=period, status=ProblemStatus.PROPOSED).order_by("id"))
    listed = [p for p in pending if p.reason == "spread"][:2]
    for problem in listed:
        _problem_listed(world, problem, decided_on, finish=True)
    for problem in pending:
        if problem not in listed:
            _problem_dismissed(world, problem, decided_on,
                               "该问题已纳入本年度优化营商环境工作任务统筹推进，暂不单独列入整治清单。")


def _problems_now(world: World, period: str, proposed_on: date) -> None:
    """The latest month: one proposal listed and under way, one not listed, the others waiting for the office."""
    from bizenv.workflows.models import ProblemListItem, ProblemStatus
    from bizenv.workflows.problem_services import problem_list_propose

    with world.on(proposed_on):
        problem_list_propose(actor=None, period=period)
    pending = sorted(ProblemListItem.objects.filter(period=period, status=ProblemStatus.PROPOSED),
                     key=lambda p: (p.reason != "spread", -len(p.regions), p.indicator_code))
    if not pending:
        return
    decided_on = world.ahead(proposed_on + timedelta(days=1))
    _problem_listed(world, pending[0], decided_on, finish=False)
    if len(pending) > 2:
        _problem_dismissed(world, pending[-1], decided_on,
                           "涉及地区的预警多为得分相对落后，已由牵头部门在年度任务中专项研究，暂不列入。")


def _china():
    from bizenv.core.clock import CHINA

    return CHINA


def _problem_lead(problem):
    from bizenv.organisations.models import Department
    from bizenv.workflows.problem_selectors import lead_department_default

    return lead_department_default(problem=problem) or Department.objects.filter(code="gov_services").first()


def _problem_listed(world: World, problem, day: date, *, finish: bool) -> None:
    """The office lists the problem on `day`; with `finish`, everyone works it off within the deadline."""
    from bizenv.workflows.models import ProblemListItem, WorkItem
    from bizenv.workflows.problem_services import problem_confirm, problem_done

    lead = _problem_lead(problem)
    deadline = world.deadline(day + timedelta(days=45 if finish else 40))
    if deadline < day or lead is None:
        return
    with world.on(day, also=_item_models()):
        problem_confirm(actor=world.office, problem=problem, lead_department=lead, deadline=deadline,
                        note=f"请{lead.name}牵头，各涉及地区对照问题逐项整改，每两周反馈进展。")
    ProblemListItem.objects.filter(pk=problem.pk).update(
        decided_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=_china()))
    parent = WorkItem.objects.get(problem=problem, parent=None)
    children = list(parent.children.order_by("id"))
    last = world.back(world.today - timedelta(days=1))
    if finish:
        outcomes = ["approved", "rejected", "approved", "approved", "supervised"]
        approvals = []
        for n, child in enumerate(children):
            _act(world, child, _script(world, outcomes[n % len(outcomes)], day,
                                       world.deadline(deadline - timedelta(days=7)), {"files": n % 2 == 0}))
            child.refresh_from_db()
            approvals.append(child.approved_on)
        done = max(approvals)
        _act(world, parent, [(world.ahead(day + timedelta(days=2)), "A", "accept", {}),
                             (world.ahead(day + timedelta(days=12)), "A", "feedback",
                              {"reason": "已召开推进会，逐一指导各地区制定整改方案。", "progress": 30}),
                             (world.ahead(done + timedelta(days=1)), "A", "submit",
                              {"reason": "各地区整改任务均已办结，汇总报告已上传。", "files": True}),
                             (world.ahead(done + timedelta(days=2)), "O", "approve", {})])
        with world.on(world.ahead(done + timedelta(days=3))):
            problem_done(actor=world.office, problem=problem)
        return
    _act(world, parent, [(min(last, world.ahead(day + timedelta(days=1))), "A", "accept", {})])
    home = _home_region()
    first_accepted = None
    for n, child in enumerate(children):
        outcome = "issued" if child.assignee_region.code == home else ("accepted", "in_progress", "issued")[n % 3]
        _act(world, child, _script(world, outcome, day, deadline, {}))
        if outcome == "accepted" and first_accepted is None:
            first_accepted = child
    if first_accepted is not None:
        _act(world, first_accepted, [(last, "C", "feedback",
                                      {"reason": "牵头部门已下发整改指引，请对照梳理超期办件原因。", "progress": 10})])


def _home_region() -> str:
    """The region of the demo's `county` user."""
    from bizenv.organisations.models import Role, RoleGrant

    county = _user("county")
    grant = RoleGrant.objects.filter(user=county, role=Role.COUNTY).first() if county else None
    return grant.region.code if grant and grant.region_id else ""


def _problem_dismissed(world: World, problem, day: date, note: str) -> None:
    from bizenv.workflows.models import ProblemListItem
    from bizenv.workflows.problem_services import problem_dismiss

    with world.on(day):
        problem_dismiss(actor=world.office, problem=problem, note=note)
    ProblemListItem.objects.filter(pk=problem.pk).update(
        decided_at=dt.datetime.combine(day, dt.time(10, 30), tzinfo=_china()))


# -------------------------------------------------------------------------------------------------------------
# Letters, an interview and the daily escalation (from the escalation services, when installed)


def _escalation(world: World) -> list[str]:
    from django.db import transaction

    from bizenv.monitoring.models import Warning
    from bizenv.workflows.models import Interview, ItemStatus, Letter, WorkItem

    try:
        from bizenv.workflows import escalation_services as esc
    except ImportError:
        return ["提醒函与约谈：升级督办服务尚未安装，跳过"]
    said = []
    ensure = getattr(esc, "escalation_rules_ensure_defaults", None)
    if ensure is not None:
        ensure()
    letter_create = getattr(esc, "letter_create", None)
    overdue = list(WorkItem.objects.filter(import_batch__startswith=DEMO_KEY, deadline__lt=world.today,
                                           status__in=(ItemStatus.IN_PROGRESS, ItemStatus.ISSUED))
                   .order_by("deadline", "id"))
    if letter_create is not None and not Letter.objects.exists():
        from bizenv.workflows.models import EscalationStep

        day = world.back(world.today - timedelta(days=4))
        targets = [("item", item) for item in overdue[:2]]
        slow, seen = [], set()
        for warning in (Warning.objects.filter(status__in=("open", "acknowledged"),
                                               kind__in=("lag_benchmark", "threshold", "overdue"))
                        .exclude(escalations__step=EscalationStep.LETTER).select_related("region")
                        .order_by("first_period", "id")):
            if warning.indicator_code not in seen:
                seen.add(warning.indicator_code)
                slow.append(warning)
        targets += [("warning", w) for w in slow[:3]]
        from bizenv.workflows.models import Escalation

        for kind, target in targets:
            try:
                with transaction.atomic(), world.on(day, also=((Letter, "created_at"), (Escalation, "created_at"))):
                    # the service's own 整改时限: an open item's deadline, else LETTER_REPLY_WORKDAYS working days
                    letter_create(actor=world.office, **{kind: target})
            except Exception as exc:  # noqa: BLE001 — the other helper's service: report, go on
                said.append(f"提醒函未生成（{getattr(exc, 'message', exc)}）")
    interview_record = getattr(esc, "interview_record", None)
    if interview_record is not None and not Interview.objects.exists() and overdue:
        item = overdue[0]
        held = world.back(world.today - timedelta(days=2))
        try:
            with transaction.atomic(), world.on(held, also=((Interview, "created_at"), *_item_models())):
                interview_record(
                    actor=world.office, item=item, held_on=held, place="市政务服务中心三楼会议室",
                    participants=f"营商办：李晓燕、周婷；{item.assignee_name}：分管负责同志及业务科室负责人",
                    minutes=(f"就“{item.title}”逾期未完成的情况约谈{item.assignee_name}。对方说明了进展滞后的原因，"
                             "营商办指出问题并提出整改要求，对方表示立即整改并按期反馈。"),
                    commitments=[
                        {"text": f"{item.title}：制定追赶计划，明确每周节点", "deadline": world.deadline(
                            held + timedelta(days=10)).isoformat()},
                        {"text": f"{item.title}：完成剩余事项并提交办结申请", "deadline": world.deadline(
                            held + timedelta(days=24)).isoformat()}])
        except Exception as exc:  # noqa: BLE001
            said.append(f"约谈记录未生成（{getattr(exc, 'message', exc)}）")
    advance = getattr(esc, "escalation_advance", None)
    if advance is not None:
        try:
            advance(actor=None)
        except Exception as exc:  # noqa: BLE001
            said.append(f"升级督办未运行（{getattr(exc, 'message', exc)}）")
    return said


# -------------------------------------------------------------------------------------------------------------


def demo_workflows_build(*, progress: Callable[[str], object] = print) -> dict[str, int]:
    """A year of work items, the 问题整治清单, letters and an interview. Safe to rerun (nothing changes)."""
    from django.db import transaction

    from bizenv.core import clock
    from bizenv.core.periods import Period
    from bizenv.organisations.models import User
    from bizenv.workflows.models import Interview, Letter, ProblemListItem, WorkItem
    from bizenv.workflows.selectors import item_facts
    from bizenv.workflows.stats import ontime_total, rate_text

    world = World(today=clock.today(), progress=progress)
    if world.office is None or not _has_regions():
        progress("任务督办：没有演示账号或区域，跳过")
        return {"任务": WorkItem.objects.count()}
    plans = [*_annual(world), *_collections(world), *_supervision(world), *_rectifications(world)]
    made = set(WorkItem.objects.filter(import_batch__startswith=f"{DEMO_KEY}-").values_list("import_batch", flat=True))
    jobs: list[tuple[date, int, Callable[[], object]]] = []
    # past the calendar's last year no deadline can follow an issue date: those items are left out
    plans = [plan for plan in plans if plan.deadline >= plan.issued]
    for n, plan in enumerate(plans):
        if f"{DEMO_KEY}-{plan.key}" not in made:
            jobs.append((plan.issued, n, lambda plan=plan: _build(world, plan)))
    built = len(jobs)
    periods = _problem_periods()
    decided = set(ProblemListItem.objects.exclude(status="proposed").values_list("period", flat=True))
    if len(periods) >= 7 and periods[-7] not in decided:
        old = periods[-7]
        on = world.ahead(Period.parse(old).last_day + timedelta(days=6))
        jobs.append((on, len(plans), lambda old=old, on=on: _problems_then(world, old, on)))
    if periods and periods[-1] not in decided:
        on = world.back(world.today - timedelta(days=3))
        jobs.append((on, len(plans) + 1, lambda on=on: _problems_now(world, periods[-1], on)))
    for _day, _n, job in sorted(jobs, key=lambda j: (j[0], j[1])):
        with transaction.atomic():
            job()
    said = _escalation(world)
    facts = item_facts(items=WorkItem.objects.all())
    total = ontime_total(facts, as_of=world.today)
    counts = {"用户": User.objects.count(), "任务": WorkItem.objects.count(),
              "问题整治清单": ProblemListItem.objects.count(),
              "提醒函": Letter.objects.count(), "约谈": Interview.objects.count()}
    progress(f"任务督办：新建 {built} 项任务（共 {counts['任务']} 项），应完成 {total.due} 项、按期 {total.on_time} 项，"
             f"按期完成率 {rate_text(total.rate)}；问题整治清单 {counts['问题整治清单']} 项；提醒函 {counts['提醒函']} 份；"
             f"约谈 {counts['约谈']} 次" + (f"；经办人账号 {world.accounts_made} 个" if world.accounts_made else ""))
    for line in said:
        progress(f"任务督办：{line}")
    return counts


def _has_regions() -> bool:
    from bizenv.organisations.models import Region

    return Region.objects.filter(code="990100").exists()


def demo_step(*, scale: str, progress) -> dict[str, int]:
    return demo_workflows_build(progress=progress)


