"""Reading indicator-system files (YAML and Excel) into specs.

Problems are in Chinese and name the line (YAML) or row and column (Excel) and the field.

Parsing checks shape: known fields, types and enumerated values. The rules that concern the tree as a
whole (weights, unique codes, depth, scoring parameters, departments) are in `validation.py`.
"""

from __future__ import annotations

from pathlib import Path

from bizenv.indicators.parsing.excel_files import (
    EXCEL_COLUMNS,
    EXCEL_SYSTEM_ROWS,
    INDICATOR_SHEET,
    SYSTEM_SHEET,
    parse_excel,
)
from bizenv.indicators.parsing.values import (
    CODE_PATTERN,
    CYCLE_LABELS,
    DIRECTION_LABELS,
    EXPLICIT_NONE,
    INDICATOR_FIELDS,
    SOURCE_KIND_LABELS,
    SYSTEM_FIELDS,
    ParseResult,
    parse_variants_text,
)
from bizenv.indicators.parsing.yaml_files import (
    parse_yaml,
)
from bizenv.indicators.specs import Problem

__all__ = [
    "CODE_PATTERN",
    "CYCLE_LABELS",
    "DIRECTION_LABELS",
    "EXCEL_COLUMNS",
    "EXCEL_EXTENSIONS",
    "EXCEL_SYSTEM_ROWS",
    "EXPLICIT_NONE",
    "FileFormatError",
    "INDICATOR_FIELDS",
    "INDICATOR_SHEET",
    "ParseResult",
    "SOURCE_KIND_LABELS",
    "SYSTEM_FIELDS",
    "SYSTEM_SHEET",
    "YAML_EXTENSIONS",
    "file_format",
    "parse_excel",
    "parse_file",
    "parse_variants_text",
    "parse_yaml",
]

YAML_EXTENSIONS = (".yaml", ".yml")
EXCEL_EXTENSIONS = (".xlsx",)


class FileFormatError(ValueError):
    """The file name does not say YAML or Excel."""


def file_format(filename: str) -> str:
    """'yaml' or 'xlsx' from the file name's extension."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in YAML_EXTENSIONS:
        return "yaml"
    if suffix in EXCEL_EXTENSIONS:
        return "xlsx"
    raise FileFormatError(
        f"无法识别文件“{filename}”的格式：请上传 .yaml / .yml（YAML）或 .xlsx（Excel）文件。"
    )


def parse_file(content: bytes, filename: str) -> ParseResult:
    """Parse YAML or Excel by the file's extension."""
    try:
        kind = file_format(filename)
    except FileFormatError as exc:
        return ParseResult(None, [Problem(str(exc))])
    return parse_yaml(content) if kind == "yaml" else parse_excel(content)
