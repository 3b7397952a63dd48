"""Web load: 20 logged-in users on loopback over the main pages and chart-data APIs, against /healthz.

Run: .venv/bin/python bench/web/run.py [--scale small|province] [--data-dir DIR] [--users 20]
                                        [--duration 60] [--warmup 20] [--threads 4] [--wait 1-3]
                                        [--processes 1]

Needs the `bench` extra (`.venv/bin/pip install -e ".[bench]"`, which brings locust).

1. Builds the demo in --data-dir if it has no database yet (`bizenv demo --no-serve --scale …`; province
   scale is ~10 million raw records and takes about ten minutes).
2. Starts `bizenv serve --processes N --threads T` as a child process on a free loopback port: N waitress
   workers forked over one listening socket (bizenv/core/server.py), as the platform is deployed.
3. Pre-flight: logs in as each account and requests every endpoint of ENDPOINTS once; an endpoint that
   answers 404 is skipped (pages still being built) and reported; other non-2xx answers are reported and
   the endpoint stays in the run, where they count as failures. Then each endpoint is timed alone
   (office, three requests one after another, median): its service time without queueing.
4. Runs locust headless (FastHttpUser) with --users users, the accounts office, leader and county in
   turn, each picking endpoints by weight with a think time of --wait seconds. /healthz, a view that
   only returns {"status": "ok"}, is one of the endpoints: the reference, measured in the same run by the
   same users on the same server. Requests during --warmup seconds are not counted.
5. Prints requests, failures, p50 and p95 per endpoint and overall, p95 / p95(/healthz), the time alone,
   and the server process's CPU over the measured window (share of one core, CPU ms per request).

Target: p95 ≤ 300 ms over the pages and APIs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import requests

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PASSWORD = "Bizenv@2026"
TARGET_P95_MS = 300.0
REFERENCE = "/healthz"

# name, path (placeholders: {region} per user; {period}, {topic1..3}, {indicator}, {run} from PARAMS or the
# pre-flight), weight. The weights are a guess at a working day: home and topic pages most, APIs behind
# the charts next, the cockpit and evaluation pages less.
ENDPOINTS: list[tuple[str, str, int]] = [
    ("/", "/", 10),
    ("/topics/", "/topics/", 4),
    ("/topics/<code>/ 开办企业", "/topics/{topic1}/", 4),
    ("/topics/<code>/ 获得电力", "/topics/{topic2}/", 3),
    ("/topics/<code>/ 政务服务", "/topics/{topic3}/", 3),
    ("/evaluation/", "/evaluation/", 3),
    ("/evaluation/runs/<pk>/", "/evaluation/runs/{run}/", 3),
    ("/evaluation/releases/", "/evaluation/releases/", 2),
    ("/compare/", "/compare/?region={region}&period={period}", 4),
    ("/self-assessment/", "/self-assessment/?region={region}&period={period}", 4),
    ("/indicator/<code>/", "/indicator/{indicator}/?region={region}&period={period}", 4),
    ("/region/<code>/", "/region/{region}/?period={period}", 4),
    ("/cockpit/", "/cockpit/", 3),
    ("api changes", "/api/v1/analysis/changes?region={region}&period={period}&kind=yoy", 4),
    ("api compare", "/api/v1/analysis/compare?region={region}&period={period}", 4),
    ("api forecast", "/api/v1/analysis/forecast?region={region}&period={period}&indicator=TOTAL&horizon=6", 3),
    ("api query", "/api/v1/analysis/query?regions={regions}&start={year}-01&end={period}"
                  "&indicators={topic1},{topic2},{topic3}", 3),
    (REFERENCE, REFERENCE, 8),
]

PARAMS = {
    "period": "2026-10",
    "year": "2026",
    "topic1": "starting_business",
    "topic2": "getting_electricity",
    "topic3": "government_services",
    "indicator": "starting_business.time.establishment",
    "run": "",
}

# username and the regions it asks about ({region}); the county account only sees its own district.
ACCOUNTS = [
    {"username": "office", "regions": ["990102", "990103", "990104", "990121"]},
    {"username": "leader", "regions": ["990102", "990103", "990104", "990121"]},
    {"username": "county", "regions": ["990102"]},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_ensure(data_dir: Path, scale: str) -> None:
    if (data_dir / "bizenv.sqlite3").exists():
        print(f"示范数据已存在：{data_dir}", flush=True)
        return
    print(f"建立示范数据（{scale}）：{data_dir}", flush=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run([str(BIN / "bizenv"), "demo", "--no-serve", "--scale", scale], check=True, cwd=REPO,
                   env={**os.environ, "BIZENV_DATA_DIR": str(data_dir)})
    print(f"示范数据建立用时 {time.perf_counter() - started:.0f} s", flush=True)


def server_start(data_dir: Path, port: int, threads: int, processes: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")
    server = subprocess.Popen(
        [str(BIN / "bizenv"), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads),
         "--processes", str(processes)],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "BIZENV_DATA_DIR": str(data_dir), "BIZENV_AXES_ENABLED": "1"},
    )
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"服务器启动失败，见 {log_path}")
            try:
                if requests.get(f"http://127.0.0.1:{port}{REFERENCE}", timeout=30).status_code == 200:
                    return server
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit(f"服务器 120 秒内未就绪，见 {log_path}")
    except BaseException:
        server.kill()
        raise


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = session.post(f"{base}/accounts/login/", allow_redirects=False, timeout=30,
                            data={"username": username, "password": PASSWORD, "next": "/",
                                  "csrfmiddlewaretoken": token.group(1) if token else ""},
                            headers={"Referer": f"{base}/accounts/login/"})
    if response.status_code != 302:
        raise SystemExit(f"{username} 登录失败：HTTP {response.status_code}")
    return session


def discover(base: str, session: requests.Session, params: dict) -> dict:
    """The newest evaluation run of the period (for /evaluation/runs/<pk>/), from the JSON API."""
    params = dict(params)
    response = session.get(f"{base}/api/v1/evaluation/runs", timeout=60)
    if response.ok:
        runs = response.json()
        chosen = [r for r in runs if str(r.get("period", "")) == params["period"]] or runs
        if chosen:
            params["run"] = str(max(chosen, key=lambda r: r["id"])["id"])
    return params


def preflight(base: str, sessions: dict, params: dict) -> tuple[list[dict], list[str]]:
    """Endpoints to load (with the accounts for which they fail) and report lines about the others."""
    plan, notes = [], []
    for name, template, weight in ENDPOINTS:
        statuses = {}
        for account in ACCOUNTS:
            username = account["username"]
            path = template.format(region=account["regions"][0], regions=",".join(account["regions"]), **params)
            if "//" in path:
                statuses[username] = "无参数"
                continue
            started = time.perf_counter()
            response = sessions[username].get(base + path, allow_redirects=False, timeout=300)
            statuses[username] = response.status_code
            ms = (time.perf_counter() - started) * 1000
            if response.status_code >= 300:
                notes.append(f"  预检 {name}（{username}）：HTTP {response.status_code}，{ms:.0f} ms")
        if all(s == 404 for s in statuses.values()):
            notes.append(f"  跳过 {name}：所有账号均返回 404（页面尚未建成）")
            continue
        if statuses.get("office") == "无参数":
            notes.append(f"  跳过 {name}：缺少参数（如没有评价计算）")
            continue
        plan.append({"name": name, "path": template, "weight": weight,
                     "skip_for": [u for u, s in statuses.items() if s == 404],
                     "solo_ms": solo(base, sessions, template, params)})
    return plan, notes


def solo(base: str, sessions: dict, template: str, params: dict, repeat: int = 3) -> float:
    """Median time of `repeat` requests one at a time (office, first region): the service time without queueing."""
    account = ACCOUNTS[0]
    path = template.format(region=account["regions"][0], regions=",".join(account["regions"]), **params)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        sessions[account["username"]].get(base + path, allow_redirects=False, timeout=300)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.median(times))


class CpuSampler(threading.Thread):
    """Samples the server processes' CPU time once a second, to charge the measured window's CPU to its requests."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.processes = [psutil.Process(pid) for pid in pids]
        self.samples: list[tuple[float, float]] = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            used = sum(t.user + t.system for t in (p.cpu_times() for p in self.processes))
            self.samples.append((time.time(), used))
            self.stopping.wait(1.0)

    def between(self, start: float, end: float) -> float:
        """CPU seconds used between two wall-clock times (linear between samples)."""
        t, c = np.array([x[0] for x in self.samples]), np.array([x[1] for x in self.samples])
        return float(np.interp(end, t, c) - np.interp(start, t, c))


def locust_run(base: str, hosts: list[str], plan: list[dict], params: dict, args, samples_path: Path) -> None:
    low, high = args.wait
    env = {
        **os.environ,
        "BENCH_WEB_PLAN": json.dumps({"endpoints": plan, "params": params, "accounts": ACCOUNTS,
                                      "password": PASSWORD, "warmup": args.warmup, "wait": [low, high],
                                      "hosts": hosts}),
        "BENCH_WEB_SAMPLES": str(samples_path),
    }
    command = [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "--host", base,
               "--users", str(args.users), "--spawn-rate", str(args.users / 4),
               "--run-time", f"{round(args.warmup + args.duration)}s", "--stop-timeout", "30", "--only-summary",
               "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not samples_path.exists():
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"locust 运行失败（退出码 {done.returncode}）")


def percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def report(samples_path: Path, plan: list[dict], duration: float, cpu: CpuSampler) -> dict:
    rows = [json.loads(line) for line in samples_path.read_text(encoding="utf-8").splitlines() if line]
    by_name: dict[str, list[dict]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    ref_ms = np.array([r["ms"] for r in by_name.get(REFERENCE, [])])
    ref_p95 = percentile(ref_ms, 95)
    table = []
    print(f"\n{'端点':<32} {'请求':>6} {'失败':>5} {'p50 ms':>8} {'p95 ms':>8} {'p95/参照':>9} {'单独 ms':>8}")
    for endpoint in plan:
        name = endpoint["name"]
        hits = by_name.get(name, [])
        ms = np.array([r["ms"] for r in hits])
        failures = [r for r in hits if not r["ok"]]
        p50, p95 = percentile(ms, 50), percentile(ms, 95)
        table.append({"name": name, "requests": len(hits), "failures": len(failures), "p50": p50, "p95": p95,
                      "ratio": p95 / ref_p95 if ref_p95 else float("nan"), "solo": endpoint["solo_ms"],
                      "errors": sorted({r["error"] for r in failures})})
        print(f"{name:<32} {len(hits):>6} {len(failures):>5} {p50:>8.0f} {p95:>8.0f} {p95 / ref_p95:>9.1f}"
              f" {endpoint['solo_ms']:>8.0f}")
    measured = [r for r in rows if r["name"] != REFERENCE]
    all_ms = np.array([r["ms"] for r in measured])
    overall = {"requests": len(measured), "failures": sum(not r["ok"] for r in measured),
               "p50": percentile(all_ms, 50), "p95": percentile(all_ms, 95), "rps": len(rows) / duration}
    print(f"{'全部（不含 /healthz）':<28} {overall['requests']:>6} {overall['failures']:>5} "
          f"{overall['p50']:>8.0f} {overall['p95']:>8.0f} {overall['p95'] / ref_p95:>9.1f}")
    if rows:
        start, end = min(r["t"] for r in rows), max(r["t"] for r in rows)
        cpu_s = cpu.between(start, end)
        overall["server_cpu_share"] = cpu_s / max(end - start, 1e-9)
        overall["server_cpu_ms_per_request"] = cpu_s * 1000 / len(rows)
        print(f"\n服务器进程 CPU（合计）：{overall['server_cpu_share']:.0%} 个核，平均每个请求 "
              f"{overall['server_cpu_ms_per_request']:.0f} ms CPU（含 /healthz）")
    print(f"吞吐量 {overall['rps']:.1f} 请求/秒（含 /healthz）；参照 /healthz p95 = {ref_p95:.1f} ms；"
          "“单独”列为预检中逐个请求（无并发）的中位数")
    for row in table:
        if row["failures"]:
            print(f"  失败 {row['name']}：{row['failures']} 次，{'; '.join(row['errors'][:3])}")
    slow = [row["name"] for row in table if row["name"] != REFERENCE and row["p95"] > TARGET_P95_MS]
    verdict = "达到" if overall["p95"] <= TARGET_P95_MS else "未达到"
    print(f"目标（p95 ≤ {TARGET_P95_MS:.0f} ms）：总体 {verdict}（p95 {overall['p95']:.0f} ms）"
          + (f"；超过目标的端点：{', '.join(slow)}" if slow else "；各端点均达到"))
    return {"table": table, "overall": overall, "reference_p95": ref_p95}


def machine() -> str:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"nproc {os.cpu_count()}，CPU {cpu or '未知'}，Python {platform.python_version()}，"
            f"load average {os.getloadavg()[0]:.1f}")


def parse_wait(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="示范数据目录；没有数据库时先建立示范数据（默认：新建临时目录）")
    parser.add_argument("--scale", choices=["small", "province"], default="province")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="计入统计的秒数")
    parser.add_argument("--warmup", type=float, default=20, help="预热秒数（不计入统计）")
    parser.add_argument("--threads", type=int, default=4, help="waitress 线程数")
    parser.add_argument("--processes", type=int, default=2, help="服务器进程数（bizenv serve --processes）")
    parser.add_argument("--wait", type=parse_wait, default=(1.0, 3.0),
                        help="每个用户两次请求之间的思考时间（秒，如 1-3；0 表示不等待）")
    parser.add_argument("--json", type=Path, help="另把结果写成 JSON")
    args = parser.parse_args()

    data_dir = (args.data_dir or Path(tempfile.mkdtemp(prefix="bizenv-web-"))).resolve()
    demo_ensure(data_dir, args.scale)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    hosts = [base]
    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    servers: list[subprocess.Popen] = []
    try:
        servers.append(server_start(data_dir, port, args.threads, args.processes, workdir / "server-0.log"))
        sessions = {a["username"]: login(base, a["username"]) for a in ACCOUNTS}
        params = discover(base, sessions["office"], PARAMS)
        plan, notes = preflight(base, sessions, params)
        print("预检：" + ("\n" + "\n".join(notes) if notes else "全部端点返回 2xx"), flush=True)
        print(f"\n{machine()}；数据目录 {data_dir}；waitress {args.processes} 个进程 × {args.threads} 线程；"
              f"{args.users} 个用户"
              f"（{', '.join(a['username'] for a in ACCOUNTS)} 轮流）；思考时间 {args.wait[0]:g}–{args.wait[1]:g} s；"
              f"预热 {args.warmup:g} s，计时 {args.duration:g} s", flush=True)
        samples = workdir / "samples.jsonl"
        load_before = os.getloadavg()[0]
        cpu = CpuSampler([server.pid for server in servers]
                         + [child.pid for server in servers for child in psutil.Process(server.pid).children()])
        cpu.start()
        locust_run(base, hosts, plan, params, args, samples)
        cpu.stopping.set()
        cpu.join()
        result = report(samples, plan, args.duration, cpu)
        print(f"load average：开始 {load_before:.1f}，结束 {os.getloadavg()[0]:.1f}")
        if args.json:
            result.update({"machine": machine(), "data_dir": str(data_dir), "users": args.users,
                           "duration": args.duration, "threads": args.threads, "processes": args.processes,
                           "wait": list(args.wait),
                           "skipped": notes})
            args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    errors = [line for log in sorted(workdir.glob("server-*.log"))
              for line in log.read_text(errors="replace").splitlines() if "Error" in line]
    if errors:
        print(f"服务器日志中有 {len(errors)} 行错误，见 {workdir}/server-*.log")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
