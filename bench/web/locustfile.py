"""Locust users for bench/web/run.py: log in as a demo account, then hit the endpoints it passes in.

Not meant to be run by hand: run.py sets BENCH_WEB_PLAN (the endpoints that passed the pre-flight, the
accounts, the think time, the warm-up) and BENCH_WEB_SAMPLES (where every measured request is written as
one JSON line: name, response time in ms, ok, status). Requests in the warm-up and the logins are not
written. Response times are exact, not locust's rounded histogram buckets.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

from locust import FastHttpUser, between, constant, events, task

PLAN = json.loads(os.environ.get("BENCH_WEB_PLAN", "{}"))
SAMPLES_PATH = os.environ.get("BENCH_WEB_SAMPLES", "")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_accounts = itertools.cycle(PLAN.get("accounts", []))
_samples: list[str] = []
_measure_from = [float("inf")]


@events.test_start.add_listener
def _on_start(environment, **kwargs):
    _measure_from[0] = time.time() + PLAN.get("warmup", 0)


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    if name == "login" or time.time() < _measure_from[0]:
        return
    status = getattr(response, "status_code", 0) or 0
    ok = exception is None and 200 <= status < 300
    _samples.append(json.dumps({"name": name, "ms": response_time, "ok": ok, "status": status, "t": time.time(),
                                "error": "" if ok else str(exception or status)[:200]}))


@events.test_stop.add_listener
def _on_stop(environment, **kwargs):
    if SAMPLES_PATH:
        with open(SAMPLES_PATH, "w", encoding="utf-8") as out:
            out.write("\n".join(_samples) + ("\n" if _samples else ""))


def _wait_time():
    low, high = PLAN.get("wait", [1.0, 3.0])
    return constant(0) if high <= 0 else between(low, high)


class DashboardUser(FastHttpUser):
    wait_time = _wait_time()

    def on_start(self):
        self.account = next(_accounts)
        page = self.client.get("/accounts/login/", name="login")
        token = CSRF_INPUT.search(page.text or "")
        response = self.client.post(
            "/accounts/login/", name="login", allow_redirects=False,
            data={"username": self.account["username"], "password": PLAN["password"],
                  "csrfmiddlewaretoken": token.group(1) if token else "", "next": "/"},
            headers={"Referer": self.host + "/accounts/login/"},
        )
        if response.status_code != 302:
            raise RuntimeError(f"{self.account['username']} 登录失败：HTTP {response.status_code}")
        self.endpoints = [e for e in PLAN["endpoints"] if self.account["username"] not in e.get("skip_for", [])]
        self.weights = [e["weight"] for e in self.endpoints]

    @task
    def visit(self):
        endpoint = random.choices(self.endpoints, weights=self.weights)[0]
        path = endpoint["path"].format(region=random.choice(self.account["regions"]),
                                       regions=",".join(self.account["regions"]), **PLAN["params"])
        hosts = PLAN.get("hosts") or []
        if len(hosts) > 1:  # several server processes: an absolute URL picks one (cookies ignore the port)
            path = random.choice(hosts) + path
        with self.client.get(path, name=endpoint["name"], catch_response=True, allow_redirects=False) as response:
            if not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}")
