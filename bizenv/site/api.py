from ninja import Router, Schema

from bizenv.core.audit import audit_verify
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.selectors import job_waiting_for_worker
from bizenv.organisations.permissions import Permission, require, user_permissions, user_roles
from bizenv.site.selectors import job_get

router = Router(tags=["平台"])


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]


@router.get("/me", response=MeOut, summary="当前用户、角色与权限")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(r.value for r in user_roles(user)),
        "permissions": sorted(p.value for p in user_permissions(user)),
    }


class AuditProblemOut(Schema):
    entry_id: int
    reason: str


class AuditVerifyOut(Schema):
    ok: bool
    entries: int
    problems: list[AuditProblemOut]


@router.get("/audit/verify", response=AuditVerifyOut, summary="校验审计日志哈希链（仅审计管理员）")
def audit_chain_verify(request):
    require(request.user, Permission.VIEW_AUDIT)
    report = audit_verify()
    return {"ok": report.ok, "entries": report.entries,
            "problems": [{"entry_id": p.entry_id, "reason": p.reason} for p in report.problems]}


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    status_label: str
    progress: int
    message: str
    result: dict | list | None
    error: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    related_type: str
    related_id: str
    waiting_for_worker: bool


@router.get("/jobs/{job_id}", response=JobOut, summary="后台任务的状态与进度（发起人或营商办可见）")
def job_status(request, job_id: int):
    job = job_get(pk=job_id, user=request.user)
    if job is None:
        raise ApplicationError("没有这个后台任务，或您无权查看。", code=ErrorCode.NOT_FOUND)
    return {
        "id": job.pk, "kind": job.kind, "title": job.title, "status": job.status,
        "status_label": job.get_status_display(), "progress": job.progress, "message": job.message,
        "result": job.result, "error": job.error, "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "related_type": job.related_type, "related_id": job.related_id,
        "waiting_for_worker": job_waiting_for_worker(job),
    }
