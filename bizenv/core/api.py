from ninja import Router, Schema

from bizenv.core.audit import audit_verify
from bizenv.organisations.permissions import Permission, require, user_permissions, user_roles

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
