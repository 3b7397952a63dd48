import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django_q.models import Schedule
from sqlalchemy import create_engine, text

from bizenv.core.errors import ApplicationError
from bizenv.datasets import services, tasks
from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.connectors import ConnectorError, http_pull
from bizenv.datasets.lake import lake_read
from bizenv.datasets.models import BatchStatus, RecordBatch
from bizenv.datasets.tests.recordkit import registration

RECORDS = [registration(f"H{i}", updated_at=f"2024-03-0{1 + i // 3} 10:00:00") for i in range(7)]


@pytest.fixture
def api_server():
    """A real HTTP JSON API on 127.0.0.1: 3 pages of 3 records, `since` filters by updated_at."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            seen.append(query)
            if self.headers.get("X-Api-Key") != "secret":
                self.send_response(403)
                self.end_headers()
                return
            rows = [r for r in RECORDS if r["updated_at"] > query.get("since", "")]
            page, size = int(query.get("page", 1)), int(query.get("size", 3))
            pages = max(1, -(-len(rows) // size))
            body = {"data": {"items": rows[(page - 1) * size: page * size]}, "meta": {"pages": pages},
                    "links": {"next": f"/cases?page={page + 1}&size={size}" if page < pages else None}}
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cases", seen
    server.shutdown()
    server.server_close()


def http_config(url, **extra):
    return {"url": url, "records_path": "data.items", "page_param": "page", "page_size_param": "size",
            "page_size": 3, "total_pages_path": "meta.pages", "since_param": "since", "cursor_field": "updated_at",
            "headers": {"X-Api-Key": "secret"}, **extra}


def test_http_pull_reads_every_page_and_advances_the_cursor(town, api_server):
    url, seen = api_server
    source = services.source_system_create(actor=None, code="api", name="一网通办", kind="http_pull",
                                           datasets=["business_registrations"], config=http_config(url),
                                           schedule_minutes=60)

    batch = services.source_pull_run(actor=None, source=source)

    assert [q["page"] for q in seen] == ["1", "2", "3"]
    assert batch.status == BatchStatus.COMMITTED and batch.rows_accepted == 7
    source.refresh_from_db()
    assert source.cursor == {"value": "2024-03-03 10:00:00"} and source.last_run_at is not None

    RECORDS.append(registration("H7", updated_at="2024-03-04 10:00:00"))
    try:
        again = tasks.source_pull(source.pk)
    finally:
        RECORDS.pop()
    assert seen[-1]["since"] == "2024-03-03 10:00:00"
    assert (RecordBatch.objects.get(pk=again).rows_total, RecordBatch.objects.get(pk=again).rows_accepted) == (1, 1)
    assert lake_read(dataset=DATASETS["business_registrations"]).num_rows == 8


def test_http_pull_follows_next_links_or_stops_at_a_short_page(api_server):
    url, seen = api_server

    linked = http_pull(http_config(url, total_pages_path="", next_path="links.next"), {})
    short = http_pull(http_config(url, total_pages_path=""), {})

    assert len(linked.records) == 7 and linked.pages == 3
    assert [q["page"] for q in seen[:3]] == ["1", "2", "3"]
    assert len(short.records) == 7 and short.pages == 3
    assert linked.cursor == {"value": "2024-03-03 10:00:00"}


def test_http_pull_errors_are_chinese_and_recorded_as_a_failed_batch(town, api_server):
    url, _ = api_server
    source = services.source_system_create(actor=None, code="api", name="一网通办", kind="http_pull",
                                           datasets=["business_registrations"],
                                           config=http_config(url, headers={"X-Api-Key": "wrong"}))

    with pytest.raises(ConnectorError) as exc:
        services.source_pull_run(actor=None, source=source)

    assert "返回错误状态 403" in exc.value.message
    failed = RecordBatch.objects.get(source=source)
    assert failed.status == BatchStatus.FAILED and "拉取失败" in failed.message
    assert tasks.source_pull(source.pk) is None  # the job logs and waits for the next run


def test_unreachable_api_is_a_chinese_error():
    with pytest.raises(ConnectorError) as exc:
        http_pull({"url": "http://127.0.0.1:9/none", "timeout": 2}, {})

    assert "无法连接接口" in exc.value.message


@pytest.fixture
def sqlite_db(tmp_path):
    path = tmp_path / "source.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE cases (id INTEGER PRIMARY KEY, record_id TEXT, region_code TEXT, kind TEXT, "
                          "channel TEXT, applied_at TEXT, completed_at TEXT, cost NUMERIC, seq INTEGER)"))
        for i in range(5):
            conn.execute(text("INSERT INTO cases (record_id, region_code, kind, channel, applied_at, completed_at, "
                              "cost, seq) VALUES (:r, '990101', 'establishment', 'counter', '2024-05-06 09:00:00', "
                              "'2024-05-07 09:00:00', :c, :s)"), {"r": f"S{i}", "c": -1 if i == 4 else 10, "s": i + 1})
    engine.dispose()
    return f"sqlite:///{path}", engine


def test_sql_pull_is_incremental_by_cursor_column(town, sqlite_db):
    url, engine = sqlite_db
    config = {"url": url, "query": "SELECT record_id, region_code, kind, channel, applied_at, completed_at, cost, "
                                   "seq FROM cases WHERE seq > :cursor ORDER BY seq",
              "cursor_column": "seq", "initial_cursor": 0}
    source = services.source_system_create(actor=None, code="db", name="工改系统库", kind="sql_pull",
                                           datasets=["business_registrations"], config=config)

    first = services.source_pull_run(actor=None, source=source)

    assert (first.rows_total, first.rows_accepted, first.rows_quarantined) == (5, 4, 1)
    source.refresh_from_db()
    assert source.cursor == {"value": 5}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO cases (record_id, region_code, kind, channel, applied_at, cost, seq) "
                          "VALUES ('S9', '990101', 'change', 'online', '2024-05-08 09:00:00', 0, 6)"))
    second = services.source_pull_run(actor=None, source=source)
    assert (second.rows_total, second.rows_accepted) == (1, 1)
    assert lake_read(dataset=DATASETS["business_registrations"]).num_rows == 5


def test_a_pull_that_finds_nothing_records_the_run_but_no_batch(town, sqlite_db):
    url, _ = sqlite_db
    config = {"url": url, "query": "SELECT record_id, region_code, kind, channel, applied_at, completed_at, cost, "
                                   "seq FROM cases WHERE seq > :cursor ORDER BY seq",
              "cursor_column": "seq", "initial_cursor": 0}
    source = services.source_system_create(actor=None, code="db", name="工改系统库", kind="sql_pull",
                                           datasets=["business_registrations"], config=config)
    first = services.source_pull_run(actor=None, source=source)
    source.refresh_from_db()
    after_first = source.last_run_at
    assert "入库 4 条" in source.last_run_result

    assert services.source_pull_run(actor=None, source=source) is None
    assert tasks.source_pull(source.pk) is None

    assert list(RecordBatch.objects.filter(source=source)) == [first]
    source.refresh_from_db()
    assert source.last_run_at > after_first and source.last_run_result == "无新记录"
    assert source.cursor == {"value": 5}
    page = town.client("office").get(f"/data/sources/{source.pk}/").content.decode()
    assert "无新记录" in page


def test_sql_errors_are_chinese(town, sqlite_db):
    url, _ = sqlite_db
    source = services.source_system_create(actor=None, code="db", name="库", kind="sql_pull",
                                           datasets=["business_registrations"],
                                           config={"url": url, "query": "SELECT * FROM missing_table"})

    with pytest.raises(ApplicationError) as exc:
        services.source_pull_run(actor=None, source=source)

    assert "数据库查询失败" in exc.value.message


def test_source_configuration_is_checked(town):
    with pytest.raises(ApplicationError) as exc:
        services.source_system_create(actor=None, code="x", name="x", kind="sql_pull", datasets=["nope"],
                                      config={"query": "DELETE FROM cases"}, schedule_minutes=0)

    details = " ".join(exc.value.details)
    assert "未知的数据集" in details and "SQLAlchemy 连接串" in details and "只能是 SELECT" in details


def test_schedules_follow_enabled_pull_sources(town, api_server):
    url, _ = api_server
    source = services.source_system_create(actor=None, code="api", name="一网通办", kind="http_pull",
                                           datasets=["business_registrations"], config=http_config(url),
                                           schedule_minutes=30)
    services.source_system_create(actor=None, code="push", name="推送", kind="push",
                                  datasets=["business_registrations"])

    assert services.source_schedules_sync() == 1
    schedule = Schedule.objects.get(name="datasets.source_pull:api")
    assert (schedule.func, schedule.minutes, schedule.args) == ("bizenv.datasets.tasks.source_pull", 30, f"({source.pk},)")
    assert services.source_schedules_sync() == 1 and Schedule.objects.count() == 1

    services.source_system_update(actor=None, source=source, name=source.name, kind=source.kind,
                                  datasets=source.datasets, config=source.config, schedule_minutes=30, enabled=False)
    services.source_schedules_sync()
    assert not Schedule.objects.filter(name__startswith="datasets.source_pull:").exists()
