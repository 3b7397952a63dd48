"""Pull connectors (数据对接): an HTTP JSON API with paging, and a SQL database by SQLAlchemy URL.

A connector reads records newer than the source's cursor and returns them with the cursor to
store once the batch has committed; it never writes anything itself.

HTTP configuration (`SourceSystem.config`):
    url              the first page, e.g. "https://gov.example/api/cases"
    records_path     where the list of records is in each page, dotted ("data.items"); "" = the body is the list
    page_param       query parameter of the page number (default "page"); page numbers start at `first_page` (1)
    page_size_param  query parameter of the page size (default "page_size"); page_size (default 100)
    next_path        where the next page's URL is ("links.next"); when set, paging follows it until it is empty
    total_pages_path where the page count is ("meta.pages"); otherwise paging stops at a short or empty page
    since_param      query parameter that receives the cursor (e.g. "updated_since"); cursor_field: the record
                     field whose largest value becomes the next cursor (e.g. "updated_at")
    headers          extra request headers (e.g. an API key); timeout (seconds, default 30); max_pages (1000)

SQL configuration:
    url              SQLAlchemy URL, e.g. "postgresql+psycopg://user:pw@host/db" or "sqlite:////data/x.db"
    query            SELECT … WHERE updated_at > :cursor ORDER BY updated_at; columns named like the dataset fields
    cursor_column    the column whose largest value becomes the next cursor; initial_cursor: value for the first run
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bizenv.core.errors import ApplicationError, ErrorCode

HTTP_DEFAULTS = {"page_param": "page", "page_size_param": "page_size", "page_size": 100, "first_page": 1,
                 "records_path": "", "next_path": "", "total_pages_path": "", "since_param": "",
                 "cursor_field": "", "timeout": 30, "max_pages": 1000}


class ConnectorError(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code=ErrorCode.INVALID)


@dataclass
class PullResult:
    records: list[dict[str, Any]]
    cursor: dict[str, Any]
    pages: int = 0
    notes: list[str] = field(default_factory=list)


def _dig(data: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _cursor_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _max_cursor(values: list[Any], current: Any) -> Any:
    """The largest cursor value; compared as numbers when all are numbers, else as text."""
    candidates = [v for v in values if v is not None and v != ""]
    if current not in (None, ""):
        candidates.append(current)
    if not candidates:
        return None
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in candidates):
        return max(candidates)
    return max(_cursor_text(v) for v in candidates)


def validate_http_config(config: dict) -> list[str]:
    problems = []
    url = str(config.get("url", ""))
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        problems.append("HTTP 拉取需要以 http:// 或 https:// 开头的接口地址（url）")
    for name in ("page_size", "timeout", "max_pages", "first_page"):
        if name in config and not (isinstance(config[name], int) and config[name] >= 0):
            problems.append(f"配置项 {name} 应为非负整数")
    if config.get("headers") is not None and not isinstance(config.get("headers"), dict):
        problems.append("配置项 headers 应为对象（请求头名: 值）")
    return problems


def validate_sql_config(config: dict) -> list[str]:
    problems = []
    if not str(config.get("url", "")).strip():
        problems.append("数据库拉取需要 SQLAlchemy 连接串（url），例如 postgresql+psycopg://用户:密码@主机/库名")
    query = str(config.get("query", "")).strip()
    if not query:
        problems.append("数据库拉取需要查询语句（query）")
    elif not query.lower().startswith(("select", "with")):
        problems.append("查询语句（query）只能是 SELECT 查询")
    return problems


def _get_json(url: str, *, headers: dict, timeout: int) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — configured by the office
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise ConnectorError(f"接口 {url} 返回错误状态 {exc.code}（{exc.reason}）") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConnectorError(f"无法连接接口 {url}：{reason}") from None
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConnectorError(f"接口 {url} 返回的不是 JSON") from None


def _with_params(url: str, params: dict[str, Any]) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items() if k})
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def http_pull(config: dict, cursor: dict) -> PullResult:
    """Every record of every page after the cursor."""
    problems = validate_http_config(config)
    if problems:
        raise ConnectorError("；".join(problems))
    cfg = {**HTTP_DEFAULTS, **config}
    headers = {str(k): str(v) for k, v in (cfg.get("headers") or {}).items()}
    since = cursor.get("value")
    records: list[dict[str, Any]] = []
    page = int(cfg["first_page"])
    params = {cfg["page_size_param"]: cfg["page_size"]} if cfg["page_size_param"] else {}
    if cfg["since_param"] and since not in (None, ""):
        params[cfg["since_param"]] = since
    url = _with_params(cfg["url"], {**params, cfg["page_param"]: page})
    pages = 0
    while url:
        pages += 1
        if pages > int(cfg["max_pages"]):
            raise ConnectorError(f"分页超过 {cfg['max_pages']} 页仍未结束，已停止拉取（请检查分页配置）")
        body = _get_json(url, headers=headers, timeout=int(cfg["timeout"]))
        items = _dig(body, cfg["records_path"]) if cfg["records_path"] else body
        if not isinstance(items, list):
            where = f"“{cfg['records_path']}”" if cfg["records_path"] else "返回内容"
            raise ConnectorError(f"接口第 {pages} 页的 {where} 不是记录数组（请检查 records_path 配置）")
        records.extend(items)
        if cfg["next_path"]:
            nxt = _dig(body, cfg["next_path"])
            url = urllib.parse.urljoin(url, nxt) if nxt else ""
            continue
        total = _dig(body, cfg["total_pages_path"]) if cfg["total_pages_path"] else None
        page += 1
        if total is not None:
            done = page > int(total) + int(cfg["first_page"]) - 1
        else:
            done = not items or (cfg["page_size_param"] and len(items) < int(cfg["page_size"]))
        url = "" if done else _with_params(cfg["url"], {**params, cfg["page_param"]: page})
    new_cursor = dict(cursor)
    if cfg["cursor_field"]:
        values = [r.get(cfg["cursor_field"]) for r in records if isinstance(r, dict)]
        top = _max_cursor(values, since)
        if top is not None:
            new_cursor["value"] = top
    return PullResult(records, new_cursor, pages)


def sql_pull(config: dict, cursor: dict) -> PullResult:
    """The rows of the configured query after the cursor."""
    problems = validate_sql_config(config)
    if problems:
        raise ConnectorError("；".join(problems))
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    query = text(config["query"])
    params = {}
    if re.search(r":cursor\b", config["query"]):
        params["cursor"] = cursor.get("value", config.get("initial_cursor"))
    try:
        engine = create_engine(config["url"])
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConnectorError(f"数据库连接串无效：{exc}") from None
    try:
        with engine.connect() as conn:
            result = conn.execute(query, params)
            names = list(result.keys())
            records = [dict(zip(names, row, strict=True)) for row in result]
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
        raise ConnectorError(f"数据库查询失败：{detail}") from None
    finally:
        engine.dispose()
    records = [{k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in records]
    new_cursor = dict(cursor)
    column = config.get("cursor_column")
    if column:
        if records and column not in records[0]:
            raise ConnectorError(f"查询结果中没有游标列“{column}”")
        top = _max_cursor([r.get(column) for r in records], cursor.get("value"))
        if top is not None:
            new_cursor["value"] = top if isinstance(top, int | float) else _cursor_text(top)
    return PullResult(records, new_cursor, 1)


def config_problems(kind: str, config: dict) -> list[str]:
    """Configuration problems of a pull source (empty for push and file sources)."""
    if kind == "http_pull":
        return validate_http_config(config)
    if kind == "sql_pull":
        return validate_sql_config(config)
    return []


def pull(kind: str, config: dict, cursor: dict) -> PullResult:
    if kind == "http_pull":
        return http_pull(config, cursor)
    if kind == "sql_pull":
        return sql_pull(config, cursor)
    raise ConnectorError("只有“HTTP 接口拉取”和“数据库拉取”类型的数据源可以拉取数据")
