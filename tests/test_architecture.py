"""The floors of docs/architecture.md hold: no app imports an app above it, and apps plug in from AppConfig."""

import ast
from pathlib import Path

import bizenv

ROOT = Path(bizenv.__file__).parent
# Ground floor first; an app may import its own floor or below (the two apps of floor 6 do not import each other
# in a circle: checked below).
FLOORS = {"core": 1, "organisations": 2, "workdays": 3, "indicators": 4, "observations": 5, "datasets": 6,
          "evaluation": 6, "analysis": 7, "monitoring": 8, "reports": 8, "workflows": 9, "demo": 10,
          "dashboards": 10, "site": 11}


def _imports() -> list[tuple[str, str, str]]:
    """(importing app, imported app, where) for every bizenv import outside tests and migrations."""
    found = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if "tests" in rel.parts or "migrations" in rel.parts or rel.parts[0] not in FLOORS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bizenv."):
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("bizenv.")]
            else:
                continue
            for name in names:
                target = name.split(".")[1]
                if target in FLOORS and target != rel.parts[0]:
                    found.append((rel.parts[0], target, f"{rel}:{node.lineno}"))
    return found


def test_no_app_imports_an_app_on_a_higher_floor():
    upward = [f"{where} ({app} → {target})" for app, target, where in _imports() if FLOORS[target] > FLOORS[app]]
    assert upward == []


def test_apps_on_the_same_floor_do_not_import_each_other_both_ways():
    pairs = {(app, target) for app, target, _ in _imports() if FLOORS[target] == FLOORS[app]}
    assert sorted(p for p in pairs if (p[1], p[0]) in pairs) == []


def test_every_platform_app_has_a_floor_and_the_settings_install_them_all():
    from django.conf import settings

    assert {name.split(".")[1] for name in bizenv.PLATFORM_APPS} <= set(FLOORS)
    assert [a for a in settings.INSTALLED_APPS if a.startswith("bizenv.")] == list(bizenv.PLATFORM_APPS)


def test_the_cli_registers_what_the_apps_declare():
    from bizenv.cli import build_parser, command_modules

    assert "bizenv.workdays.commands" in command_modules()
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in ("indicators", "observations", "metrics", "calendar", "evaluate", "evaluation", "import"):
        assert name in commands


def test_no_module_imports_itself_round_a_circle():
    """No circle of imports between modules, lazy imports inside functions included (they hide circles)."""
    modules = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        name = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bizenv"):
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    circles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                circles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []
