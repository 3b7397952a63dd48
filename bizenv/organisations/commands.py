"""`bizenv admins …`: the operator's commands for the three administrator accounts (三员分立).

The administrator roles are granted and withdrawn only here, on the server, never on a page: whoever creates
an account on a page knows its first password. `set-password` reads the new password from standard input
(twice on a terminal), never from the command line, and the account must change it at its next login.
"""

from __future__ import annotations

import getpass
import sys

from bizenv.core.commands import migrate, print_problems

ROLE_NAMES = {"sysadmin": "系统管理员", "secadmin": "安全管理员", "auditor": "审计管理员"}


def _user(username: str):
    from bizenv.organisations.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        print(f"没有账号“{username}”。", file=sys.stderr)
    return user


def cmd_grant(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.organisations import services

    user = _user(args.username)
    if user is None:
        return 1
    try:
        services.role_grant_add(actor=None, user=user, role=args.role, region=None)
    except ApplicationError as exc:
        print_problems(exc.message, list(exc.details))
        return 1
    print(f"已授予“{user.username}”{ROLE_NAMES[args.role]}角色。")
    return 0


def cmd_revoke(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.organisations import services
    from bizenv.organisations.models import RoleGrant

    user = _user(args.username)
    if user is None:
        return 1
    grant = RoleGrant.objects.filter(user=user, role=args.role).first()
    if grant is None:
        print(f"“{user.username}”没有{ROLE_NAMES[args.role]}角色。", file=sys.stderr)
        return 1
    services.role_grant_remove(actor=None, grant=grant)
    print(f"已撤销“{user.username}”的{ROLE_NAMES[args.role]}角色。")
    return 0


def cmd_set_password(args, *, setup) -> int:
    setup()
    migrate()
    from bizenv.core.errors import ApplicationError
    from bizenv.organisations import services

    user = _user(args.username)
    if user is None:
        return 1
    if sys.stdin.isatty():
        password = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != password:
            print("两次输入的密码不一致，未修改。", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        services.user_password_set_by_operator(user=user, password=password)
    except ApplicationError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"已重置“{user.username}”的密码；该账号下次登录须先修改密码。")
    return 0


def register(subparsers, *, setup, imports) -> None:
    p = subparsers.add_parser("admins", help="三员账号（运维人员在服务器上使用）：授予或撤销管理员角色、重置密码")
    sub = p.add_subparsers(dest="admins_command", required=True, metavar="ACTION")
    for name, func, text in (("grant", cmd_grant, "授予管理员角色"), ("revoke", cmd_revoke, "撤销管理员角色")):
        s = sub.add_parser(name, help=text)
        s.add_argument("username", metavar="USERNAME")
        s.add_argument("role", choices=sorted(ROLE_NAMES), help="sysadmin 系统管理员 / secadmin 安全管理员 / auditor 审计管理员")
        s.set_defaults(func=lambda a, f=func: f(a, setup=setup))
    s = sub.add_parser("set-password", help="重置一个账号的密码（从标准输入读取；下次登录须修改）")
    s.add_argument("username", metavar="USERNAME")
    s.set_defaults(func=lambda a: cmd_set_password(a, setup=setup))
