from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "bizenv.workflows"
    label = "workflows"
    verbose_name = "任务督办"
    url_prefix = "workflows/"
    api_prefix = "/workflows/"
    commands = ("bizenv.workflows.commands",)
    demo_steps = ("bizenv.demo.workflows.demo_step",)
    schedules = ("bizenv.workflows.tasks.escalation_schedule_ensure",)

    @property
    def audit_labels(self) -> dict[str, str]:
        from bizenv.workflows.transitions import ACTION_LABELS

        labels = {f"work_item.{action.value}": f"任务{label}" for action, label in ACTION_LABELS.items()}
        labels.update({
            "work_item.create": "新建任务",
            "work_item.update": "修改任务",
            "work_item.import_close": "按导入台账记为办结",
            "work_plan.import": "导入年度工作任务",
            "escalation_rule.save": "修改升级督办规则",
            "escalation.step": "升级督办",
            "letter.create": "生成提醒函",
            "document_template.replace": "更换文书模板",
            "interview.create": "记录约谈",
            "problem.propose": "提出问题整治清单项",
            "problem.confirm": "确认问题整治清单项",
            "problem.dismiss": "问题不列入整治清单",
            "problem.done": "问题整治完成",
        })
        return labels

    def ready(self) -> None:
        from bizenv.workflows.escalation_services import register_warning_contributions

        register_warning_contributions()

        from bizenv.core.events import Event, event_subscribe
        from bizenv.workflows.problem_services import problems_follow_warnings

        event_subscribe(Event.WARNINGS_CHECKED, "workflows.problems", problems_follow_warnings)

    def nav_sections(self):
        from bizenv.core.nav import NavLink, Section
        from bizenv.organisations.permissions import Permission

        return (
            Section("workflows", "任务督办", Permission.VIEW_WORK,
                    "任务下发、受理、反馈、转办、督办、审核；提醒函与约谈；问题整治清单；按期完成率。",
                    url_name="workflows:index", order=40,
                    links=(NavLink("督办工作台", "workflows:index", Permission.VIEW_WORK),
                           NavLink("新建任务", "workflows:item_new", Permission.MANAGE_WORK),
                           NavLink("年度工作任务导入", "workflows:plan_import", Permission.MANAGE_WORK),
                           NavLink("按期完成率", "workflows:stats", Permission.VIEW_WORK),
                           NavLink("提醒函", "workflows:letters", Permission.VIEW_WORK),
                           NavLink("问题整治清单", "workflows:problems", Permission.VIEW_WORK),
                           NavLink("升级督办规则", "workflows:escalation_rules", Permission.MANAGE_WORK))),
        )
