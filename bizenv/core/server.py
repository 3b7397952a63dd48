"""`bizenv serve`: waitress in one or more processes sharing one listening socket.

One waitress process uses little more than one core (Python's global interpreter lock), so on a machine
with several cores the server binds the socket once and forks workers that all accept from it; the kernel
spreads the connections. Each worker has its own database connections (closed before the fork) and its
own in-process caches. Where fork is missing (Windows), one process serves.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

MAX_DEFAULT_PROCESSES = 4
# Libraries slow to import (statsmodels' ETS: about 1.3 s) are imported once before the fork, so that no
# worker pays for it on its first forecast and the forked workers share the pages.
PRELOADED_MODULES = ("statsmodels.tsa.exponential_smoothing.ets",)


def default_processes() -> int:
    """BIZENV_PROCESSES, else one per core up to four."""
    configured = os.environ.get("BIZENV_PROCESSES", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_PROCESSES))


def modules_preload() -> list[str]:
    """Import PRELOADED_MODULES; the names of those that are not installed."""
    import importlib

    missing = []
    for name in PRELOADED_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def _die_with_parent() -> None:
    """Linux: the kernel sends this worker SIGTERM when the serving parent dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve(application, *, host: str, port: int, threads: int, processes: int) -> None:
    """Serve `application` until interrupted; with processes > 1, in forked workers on one socket."""
    from django.db import connections
    from waitress import serve as waitress_serve

    listener = socket.create_server((host, port), backlog=1024)
    modules_preload()
    processes = processes if hasattr(os, "fork") else 1
    connections.close_all()  # never share a database connection across a fork
    children: list[int] = []
    for _ in range(processes - 1):
        pid = os.fork()
        if pid == 0:
            _die_with_parent()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                waitress_serve(application, sockets=[listener], threads=threads, ident="bizenv")
            finally:
                os._exit(0)
        children.append(pid)

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        waitress_serve(application, sockets=[listener], threads=threads, ident="bizenv")
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        sys.stdout.flush()
