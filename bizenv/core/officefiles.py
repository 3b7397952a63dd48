"""Checks an Office Open XML file (.xlsx, .xlsm, .docx) before any parser opens it.

An .xlsx or .docx is a zip archive. A small upload can declare entries that unpack to gigabytes (a
"zip bomb"); openpyxl and python-docx would inflate them all. The check reads only the archive's
central directory, so it costs microseconds whatever the file declares. The declared sizes are a
safe bound: Python's zipfile, which every reader here goes through, stops inflating an entry at its
declared size and fails on the CRC, so an entry cannot unpack to more than it declares.
"""

import io
import os
import zipfile
from pathlib import Path
from typing import BinaryIO

from bizenv.core.errors import ApplicationError

MB = 1024 * 1024
MAX_UNPACKED = 200 * MB
MAX_ENTRY = 100 * MB
MAX_ENTRIES = 10_000
MAX_RATIO = 200
# Small entries compress well without harm (an empty sheet, a styles part); the ratio is judged above this.
RATIO_FLOOR = 1 * MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")


class OfficeFileRefused(ApplicationError):
    """The file is refused before parsing; `message` says why, in Chinese."""


def office_file_check(
    source: bytes | str | os.PathLike | BinaryIO,
    *,
    max_unpacked: int = MAX_UNPACKED,
    max_entry: int = MAX_ENTRY,
    max_entries: int = MAX_ENTRIES,
    max_ratio: float = MAX_RATIO,
    kind: str = "Excel（.xlsx）",
    subject: str = "文件",
) -> None:
    """Raise OfficeFileRefused unless `source` is a zip archive within the limits and without macros;
    the message begins with `subject` (e.g. 文件“开办.xlsx”)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        stream: BinaryIO = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        stream = Path(source).open("rb")
    else:
        stream = source
    position = stream.tell() if stream.seekable() else None
    try:
        _check(stream, max_unpacked=max_unpacked, max_entry=max_entry, max_entries=max_entries,
               max_ratio=max_ratio, kind=kind, subject=subject)
    finally:
        if isinstance(source, (str, os.PathLike)):
            stream.close()
        elif position is not None:
            stream.seek(position)


def _check(stream: BinaryIO, *, max_unpacked: int, max_entry: int, max_entries: int, max_ratio: float,
           kind: str, subject: str) -> None:
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE_MAGIC):
        raise OfficeFileRefused(
            f"{subject}不是 {kind}格式：可能是旧版（.xls / .doc）或设置了打开密码的文件，请另存为新格式、取消密码后再上传。"
        )
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise OfficeFileRefused(f"{subject}不是有效的 {kind}文件：可能已损坏，或是其他格式的文件改了扩展名。") from None
    with archive:
        entries = archive.infolist()
    if len(entries) > max_entries:
        raise OfficeFileRefused(
            f"{subject}包含 {len(entries):,} 个压缩条目，超过 {max_entries:,} 个的上限，可能是压缩炸弹，已拒绝。"
        )
    total = 0
    for entry in entries:
        name = entry.filename.lower().rsplit("/", 1)[-1]
        if name in MACRO_PARTS:
            raise OfficeFileRefused(f"{subject}含有宏（VBA 代码），为安全起见已拒绝；请另存为不含宏的 .xlsx / .docx 后再上传。")
        if entry.file_size > max_entry:
            raise OfficeFileRefused(
                f"{subject}中的“{entry.filename}”解压后为 {_mb(entry.file_size)}，超过单个条目 {_mb(max_entry)} 的上限，"
                "可能是压缩炸弹，已拒绝。"
            )
        if entry.file_size > RATIO_FLOOR and entry.file_size > max_ratio * max(entry.compress_size, 1):
            raise OfficeFileRefused(
                f"{subject}中的“{entry.filename}”压缩比约为 {entry.file_size // max(entry.compress_size, 1):,} 倍，"
                f"超过 {max_ratio:,.0f} 倍的上限，可能是压缩炸弹，已拒绝。"
            )
        total += entry.file_size
        if total > max_unpacked:
            raise OfficeFileRefused(f"{subject}解压后超过 {_mb(max_unpacked)}，可能是压缩炸弹，已拒绝。")


def _mb(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size / 1024:,.0f} KB"
