"""What every app's `bizenv …` sub-commands share: Django set-up, migrations, input files, problem lists.

An app's command module offers `register(subparsers, *, setup, imports)`: `subparsers` are the top-level
commands, `imports` the kinds of the shared `bizenv import` command, `setup` prepares Django (a command that
needs no database, like `bizenv evaluate`, never calls it). The app names its module in its AppConfig
(`commands = ("bizenv.<app>.commands",)`); `bizenv/cli.py` registers them all.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def migrate(verbose: bool = False) -> None:
    """Bring the database up to date (quietly): every command that reads or writes it calls this first."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)


def input_file(name: str) -> Path | None:
    """The file a command reads, or None after saying in Chinese that it does not exist."""
    path = Path(name)
    if not path.is_file():
        print(f"文件不存在：{path}", file=sys.stderr)
        return None
    return path


def print_problems(header: str, lines: list[str], *, bullet: str = "  ", out=None) -> None:
    """A heading and one indented line per problem, on stderr unless told otherwise."""
    out = out or sys.stderr
    print(header, file=out)
    for line in lines:
        print(f"{bullet}{line}", file=out)
