"""`bizenv serve --processes 2`: two workers answer on one port and stop with the parent."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers need POSIX fork")
def test_two_processes_share_the_port_and_stop_with_the_parent(tmp_path):
    port = _free_port()
    # Its own SQLite database in a fresh data folder, whatever database the suite runs on.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"BIZENV_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "bizenv", "serve", "--port", str(port), "--processes", "2",
                               "--threads", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while True:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.time() < deadline, "服务未在 90 秒内启动"
                time.sleep(0.5)
        assert b"ok" in body
        workers = _children(server.pid)
        assert len(workers) == 1  # the parent serves too
        for _ in range(20):
            assert b"ok" in urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
        banner = server.stdout.readline().decode()
        assert "2 个进程" in banner
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    # the workers end on their own once the parent has gone: poll for it, up to 20 seconds
    deadline = time.time() + 20
    while any(_alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def test_the_forecast_library_is_imported_before_the_workers_fork():
    probe = ("import sys; from bizenv.core.server import modules_preload; "
             "assert 'statsmodels.tsa.exponential_smoothing.ets' not in sys.modules; "
             "print(modules_preload(), 'statsmodels.tsa.exponential_smoothing.ets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "True"]
