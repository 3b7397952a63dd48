"""One policy for every uploaded file (佐证材料 first): what a file is, judged by its content; whether it may be
kept; where it is stored; and how it goes back to a browser.

The type is read from the bytes — magic numbers, and for Word/Excel the zip's ``[Content_Types].xml`` and
main part — never from the name; the name's extension must then agree with it. Nothing is read before its
size is known: a Django ``UploadedFile`` reports ``.size``, so a 500 MB upload is refused on that number alone;
the checks then read the file in chunks (only a PDF's compressed object streams are searched in memory).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import secrets
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import quote
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone

from bizenv.core.errors import ApplicationError
from bizenv.core.officefiles import OLE_MAGIC, office_file_check

MB = 1024 * 1024
EVIDENCE_MAX_BYTES = 20 * MB
CHUNK = 1024 * 1024
HEAD_BYTES = 8192
SCAN_OVERLAP = 64
MAX_NAME_CHARS = 100
MAX_NAME_BYTES = 240  # a saved copy must fit a 255-byte file name, at 3 bytes a Chinese character
MAX_IMAGE_PIXELS = 100_000_000  # a 108-megapixel phone photo passes; a forged 100 000 × 100 000 header does not
MAX_PDF_INFLATE = 64 * MB
MAX_SMALL_PART = 256 * 1024
UNNAMED = "未命名"


class FileKind(models.TextChoices):
    DOCX = "docx", "Word 文档"
    XLSX = "xlsx", "Excel 表格"
    PDF = "pdf", "PDF 文件"
    PNG = "png", "图片"
    JPEG = "jpeg", "图片"
    GIF = "gif", "图片"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def extensions(self) -> tuple[str, ...]:
        """Accepted name endings, the one used for storage first."""
        return _EXTENSIONS[self]

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self][0]

    @property
    def viewed_inline(self) -> bool:
        """Shown by the browser itself (PDF, images); Word and Excel are shown through core.previews."""
        return self in (FileKind.PDF, FileKind.PNG, FileKind.JPEG, FileKind.GIF)


_CONTENT_TYPES = {
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.PDF: "application/pdf",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.GIF: "image/gif",
}
_EXTENSIONS = {
    FileKind.DOCX: (".docx",),
    FileKind.XLSX: (".xlsx",),
    FileKind.PDF: (".pdf",),
    FileKind.PNG: (".png",),
    FileKind.JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"),
    FileKind.GIF: (".gif",),
}
EVIDENCE_KINDS = frozenset(FileKind)
INLINE_CONTENT_TYPES = frozenset(k.content_type for k in FileKind if k.viewed_inline)

_EXTENSION_KIND = {ext: kind for kind, exts in _EXTENSIONS.items() for ext in exts}
_MACRO_EXTENSIONS = {".docm": ".docx", ".dotm": ".docx", ".xlsm": ".xlsx", ".xltm": ".xlsx", ".xlam": ".xlsx",
                     ".xlsb": ".xlsx", ".pptm": ".pptx", ".potm": ".pptx", ".ppsm": ".pptx"}
_MAGIC_KINDS = (
    (b"%PDF-", FileKind.PDF),
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"GIF87a", FileKind.GIF),
    (b"GIF89a", FileKind.GIF),
)
EXECUTABLE = "可执行程序"
_MAGIC_OTHERS = (
    (b"MZ", EXECUTABLE),  # Windows PE (.exe, .dll, .scr)
    (b"\x7fELF", EXECUTABLE),
    (b"\xfe\xed\xfa\xce", EXECUTABLE),  # Mach-O, 32 and 64 bit, both byte orders
    (b"\xfe\xed\xfa\xcf", EXECUTABLE),
    (b"\xce\xfa\xed\xfe", EXECUTABLE),
    (b"\xcf\xfa\xed\xfe", EXECUTABLE),
    (b"\xca\xfe\xba\xbe", EXECUTABLE),  # Mach-O universal binary (also a Java class file)
    (b"dex\n", EXECUTABLE),
    (b"#!", "脚本"),
    (b"Rar!\x1a\x07", "压缩包（RAR）"),
    (b"7z\xbc\xaf\x27\x1c", "压缩包（7z）"),
    (b"\x1f\x8b", "压缩包（gzip）"),
    (b"{\\rtf", "RTF 文档"),
    (b"%!PS", "PostScript 文件"),
)
_OOXML_KINDS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": FileKind.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": FileKind.XLSX,
}
_OOXML_MAIN_PARTS = {FileKind.DOCX: "word/document.xml", FileKind.XLSX: "xl/workbook.xml"}
# Object names in an OLE compound file's directory (UTF-16LE) tell an encrypted .docx from an old .doc.
_OLE_NAMES = re.compile(b"|".join(re.escape(n.encode("utf-16-le")) for n in (
    "EncryptionInfo", "WordDocument", "Workbook", "PowerPoint Document")))
_PDF_NAME = re.compile(rb"/[A-Za-z0-9#]{2,40}")
_PDF_ACTIVE = {b"JavaScript": "JavaScript 脚本", b"JS": "JavaScript 脚本", b"Launch": "启动外部程序的动作"}
_PDF_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b.{0,400}?stream\r?\n", re.S)
_REMOTE_TARGET = re.compile(rb'Target="(?:https?:|\\\\|//)[^"]*"[^>]*TargetMode="External"'
                            rb'|TargetMode="External"[^>]*Target="(?:https?:|\\\\|//)', re.I)
_RESERVED_CHARACTERS = dict.fromkeys(map(ord, '<>:"/\\|?*'))
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
_FOLDER_PART = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed upload_check: what it is, the name to show, and what identifies its content."""

    kind: FileKind
    display_name: str
    content_type: str
    size: int
    sha256: str


# ---------------------------------------------------------------- names


def safe_filename(name: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """The name to show and to offer for saving: no folders, control or reserved characters, no trailing dots
    or spaces, at most `max_chars` characters, the extension kept; "未命名" + extension when nothing is left."""
    text = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/")
    text = text.rsplit("/", 1)[-1]
    # Format characters include U+202E, which displays "报告\u202excod.exe" as "报告exe.docx".
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    text = text.translate(_RESERVED_CHARACTERS).strip(" \u3000").rstrip(" .\u3000")
    stem, dot, extension = text.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", extension):
        stem, extension = text, ""
    extension = "." + extension if extension else ""
    stem = stem.strip(" .\u3000")
    if stem.upper() in _WINDOWS_DEVICES:
        stem = "_" + stem
    stem = stem or UNNAMED
    limit = max(max_chars - len(extension), 1)
    stem = stem[:limit]
    while len((stem + extension).encode()) > MAX_NAME_BYTES and len(stem) > 1:
        stem = stem[:-1]
    return stem.rstrip(" .") + extension


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


# ---------------------------------------------------------------- the check


def upload_check(*, content: bytes | BinaryIO, filename: str, allowed: Collection[FileKind] = EVIDENCE_KINDS,
                 max_bytes: int = EVIDENCE_MAX_BYTES) -> CheckedUpload:
    """Raise ApplicationError (naming the file, in Chinese) unless `content` is one of the `allowed` kinds, its
    name agrees with what it is, it is within `max_bytes` and carries nothing active (macros, scripts)."""
    name = safe_filename(filename)
    subject = f"文件“{name}”"
    extension = _extension(name)
    with _readable(content, max_bytes=max_bytes, subject=subject) as (stream, size):
        if size == 0:
            raise ApplicationError(f"{subject}是空文件，请选择有内容的文件。")
        head = stream.read(HEAD_BYTES)
        stream.seek(0)
        kind = _detect(stream, head, subject=subject, extension=extension, allowed=allowed)
        if extension in _MACRO_EXTENSIONS:
            raise _macro_refusal(subject, _MACRO_EXTENSIONS[extension])
        if kind not in allowed:
            raise ApplicationError(f"{subject}是{_w(_described(kind))}，这里只能上传{_w(_allowed_text(allowed))}。")
        if not extension:
            raise ApplicationError(f"{subject}没有扩展名，其内容是{_w(_described(kind))}；"
                                   f"请加上扩展名 {kind.extension} 后再上传。")
        if extension not in kind.extensions:
            raise ApplicationError(f"{subject}的内容是{_w(_described(kind))}，与扩展名 {extension} 不符；"
                                   f"请把扩展名改为 {kind.extension} 后再上传。")
        _inspect(kind, stream, subject=subject)
        digest, read = _digest(stream)
    if read > max_bytes:  # a file-like whose .size understated its length
        raise _size_refusal(subject, read, max_bytes)
    return CheckedUpload(kind=kind, display_name=name, content_type=kind.content_type, size=read, sha256=digest)


@contextmanager
def _readable(content, *, max_bytes: int, subject: str) -> Iterator[tuple[BinaryIO, int]]:
    """A seekable stream over the whole file and its size, refusing an oversized file before reading it."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        if len(content) > max_bytes:
            raise _size_refusal(subject, len(content), max_bytes)
        yield io.BytesIO(content), len(content)
        return
    declared = getattr(content, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _size_refusal(subject, declared, max_bytes)
    if content.seekable():
        position = content.tell()
        try:
            if not isinstance(declared, int):
                declared = content.seek(0, io.SEEK_END)
                if declared > max_bytes:
                    raise _size_refusal(subject, declared, max_bytes)
            content.seek(0)
            yield content, declared
        finally:
            content.seek(position)
        return
    with tempfile.SpooledTemporaryFile(max_size=8 * MB) as spool:
        copied = 0
        while chunk := content.read(CHUNK):
            copied += len(chunk)
            if copied > max_bytes:
                raise _size_refusal(subject, copied, max_bytes, at_least=True)
            spool.write(chunk)
        spool.seek(0)
        yield spool, copied


def _detect(stream: BinaryIO, head: bytes, *, subject: str, extension: str,
            allowed: Collection[FileKind]) -> FileKind:
    """The accepted kind the content is; any other content is refused, saying what it is."""
    for magic, kind in _MAGIC_KINDS:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _ooxml_kind(stream, subject=subject, extension=extension, allowed=allowed)
    if head.startswith(OLE_MAGIC):
        raise _ole_refusal(stream, subject=subject, extension=extension)
    what = next((w for magic, w in _MAGIC_OTHERS if head.startswith(magic)), None) or _text_kind(head)
    raise _mismatch(subject, what, _EXTENSION_KIND.get(extension), allowed=allowed)


def _text_kind(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        if b"<svg" in text:
            return "SVG 矢量图（可以含有脚本）"
        return "网页（HTML）" if re.search(rb"<(!doctype html|html|head|body|script|iframe|meta)", text) \
            else "XML 或网页文件"
    if text.startswith(b"mime-version:"):
        return "网页存档（MHT）"
    if text.startswith(b"@echo off"):
        return "脚本"
    if b"\0" not in head:
        for encoding in ("utf-8", "gb18030"):
            with suppress(UnicodeDecodeError):
                codecs.getincrementaldecoder(encoding)().decode(head, final=False)  # the head may end mid-character
                return "纯文本"
    return "无法识别的格式"


def _ooxml_kind(stream: BinaryIO, *, subject: str, extension: str, allowed: Collection[FileKind]) -> FileKind:
    """DOCX or XLSX by the zip's declared main part; a zip bomb, macros or another zip is refused."""
    expected = _EXTENSION_KIND.get(extension)
    label = {FileKind.DOCX: "Word（.docx）", FileKind.XLSX: "Excel（.xlsx）"}.get(expected, "Word 或 Excel ")
    office_file_check(stream, kind=label, subject=subject)
    try:
        with zipfile.ZipFile(stream) as archive:
            return _ooxml_main_kind(archive, subject=subject, expected=expected, allowed=allowed)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        # a damaged or encrypted entry, or a compression method zipfile cannot read
        raise ApplicationError(f"{subject}已损坏，无法读取其内容，请重新保存后再上传。") from None


def _ooxml_main_kind(archive: zipfile.ZipFile, *, subject: str, expected: FileKind | None,
                     allowed: Collection[FileKind]) -> FileKind:
    """DOCX or XLSX when the content types declare that main part and the part exists."""
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        what = "OFD 版式文件" if "OFD.xml" in names else (
            "OpenDocument 文档（.odt / .ods）" if "mimetype" in names else "压缩包（ZIP）")
        raise _mismatch(subject, what, expected, allowed=allowed)
    types = _content_types(archive.read("[Content_Types].xml")
                           if archive.getinfo("[Content_Types].xml").file_size <= MAX_SMALL_PART else b"")
    if types is None:
        raise ApplicationError(f"{subject}已损坏（内容类型清单无法读取），请重新保存后再上传。")
    if any("macroenabled" in t for t in types.values()):
        raise _macro_refusal(subject, ".xlsx" if "/xl/workbook.xml" in types else ".docx")
    if any(name.lower().startswith(("word/activex/", "xl/activex/")) for name in names):
        raise ApplicationError(f"{subject}含有 ActiveX 控件，为安全起见已拒绝；请删除控件后另存再上传。")
    for content_type, kind in _OOXML_KINDS.items():
        part = _OOXML_MAIN_PARTS[kind]
        if types.get("/" + part) == content_type and part in names:
            if kind is FileKind.DOCX:
                _docx_check_remote_template(archive, names, subject=subject)
            return kind
    main = next((t for p, t in types.items() if p.endswith((
        "/word/document.xml", "/xl/workbook.xml", "/ppt/presentation.xml"))), "")
    what = ("Office 模板" if ".template." in main else "PowerPoint 演示文稿" if "presentationml" in main
            else "无法识别的 Office 文件")
    raise _mismatch(subject, what, expected, allowed=allowed)


def _content_types(xml: bytes) -> dict[str, str] | None:
    """Part name (lower case, leading slash) → content type (lower case) from [Content_Types].xml."""
    if not xml or b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        return None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None
    return {element.get("PartName", "").lower(): element.get("ContentType", "").lower()
            for element in root if element.tag.endswith("}Override")}


def _docx_check_remote_template(archive: zipfile.ZipFile, names: set[str], *, subject: str) -> None:
    # A template fetched from a web or network address when Word opens the file is a known way in.
    rels = "word/_rels/settings.xml.rels"
    if rels in names and archive.getinfo(rels).file_size <= MAX_SMALL_PART \
            and _REMOTE_TARGET.search(archive.read(rels)):
        raise ApplicationError(f"{subject}引用了网络上的外部模板，为安全起见已拒绝；请另存为普通 .docx 后再上传。")


def _ole_refusal(stream: BinaryIO, *, subject: str, extension: str) -> ApplicationError:
    found = {match.group().decode("utf-16-le") for match in _scan(stream, _OLE_NAMES)}
    if "EncryptionInfo" in found:
        return ApplicationError(f"{subject}设置了打开密码（已加密），无法检查其内容；请取消密码后再上传。")
    if "WordDocument" in found or (not found and extension in (".doc", ".wps", ".dot")):
        return ApplicationError(f"{subject}是旧版 Word 文档（.doc），不能上传；"
                                "请用 Word 或 WPS 打开后“另存为” Word 文档（.docx）再上传。")
    if "Workbook" in found or (not found and extension in (".xls", ".et", ".xlt")):
        return ApplicationError(f"{subject}是旧版 Excel 表格（.xls），不能上传；"
                                "请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再上传。")
    if "PowerPoint Document" in found:
        return ApplicationError(f"{subject}是旧版 PowerPoint 演示文稿（.ppt），不能上传；请另存为 PDF 后再上传。")
    return ApplicationError(f"{subject}是旧版 Office 格式（.doc / .xls），不能上传；请另存为 .docx / .xlsx 后再上传。")


def _inspect(kind: FileKind, stream: BinaryIO, *, subject: str) -> None:
    if kind is FileKind.PDF:
        active = _pdf_active_content(stream)
        if active:
            raise ApplicationError(f"{subject}含有{_w(active)}，为安全起见已拒绝；"
                                   "请用“打印为 PDF”或另存为普通 PDF 后再上传。")
    elif kind in (FileKind.PNG, FileKind.JPEG, FileKind.GIF):
        _image_verify(kind, stream, subject=subject)
    stream.seek(0)


def _pdf_active_content(stream: BinaryIO) -> str | None:
    """What active content (JavaScript, Launch) the PDF's names mention, in plain or compressed objects."""
    for match in _scan(stream, _PDF_NAME):
        found = _PDF_ACTIVE.get(_pdf_name(match.group()))
        if found:
            return found
    # Objects may sit inside compressed object streams, where a plain scan cannot see them.
    stream.seek(0)
    data = stream.read(MAX_PDF_INFLATE + 1)
    if len(data) > MAX_PDF_INFLATE:
        return None
    budget = MAX_PDF_INFLATE
    for header in _PDF_OBJECT_STREAM.finditer(data):
        end = data.find(b"endstream", header.end())
        try:
            inflated = zlib.decompressobj().decompress(data[header.end(): end if end > 0 else None], budget)
        except zlib.error:  # not deflated, or damaged: readers skip it too
            continue
        budget -= len(inflated)
        for match in _PDF_NAME.finditer(inflated):
            found = _PDF_ACTIVE.get(_pdf_name(match.group()))
            if found:
                return found
        if budget <= 0:
            break
    return None


def _pdf_name(raw: bytes) -> bytes:
    # "/J#61vaScript" is "/JavaScript": a name may spell any byte as #xx.
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw[1:])


def _image_verify(kind: FileKind, stream: BinaryIO, *, subject: str) -> None:
    try:
        from PIL import Image
    except ImportError:  # the magic bytes were checked already
        return
    broken = ApplicationError(f"{subject}不是完整的{_w(kind.label)}，可能已损坏，请重新保存后再上传。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.format != {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG", FileKind.GIF: "GIF"}[kind]:
                    raise broken
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ApplicationError(f"{subject}的尺寸为 {width:,} × {height:,} 像素，超过 1 亿像素的上限，"
                                           "请缩小后再上传。")
                image.verify()
    except ApplicationError:
        raise
    except Image.DecompressionBombError:
        raise ApplicationError(f"{subject}的尺寸超过 1 亿像素的上限，请缩小后再上传。") from None
    except Exception:  # Pillow raises many kinds of error on a damaged image
        raise broken from None


def _scan(stream: BinaryIO, pattern: re.Pattern) -> Iterator[re.Match]:
    """Matches of `pattern` (at most SCAN_OVERLAP bytes long) over the whole stream, a chunk at a time; a match
    that starts near a chunk's end is left to the next window, which holds it whole."""
    stream.seek(0)
    window = stream.read(CHUNK)
    while window:
        chunk = stream.read(CHUNK)
        cut = len(window) - SCAN_OVERLAP if chunk else len(window)
        for match in pattern.finditer(window):
            if match.start() >= cut:
                break
            yield match
        window = window[cut:] + chunk if chunk else b""
    stream.seek(0)


def _digest(stream: BinaryIO) -> tuple[str, int]:
    stream.seek(0)
    digest, read = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        read += len(chunk)
    return digest.hexdigest(), read


def _w(text: str) -> str:
    """Chinese typesetting: a space between a Chinese character and a Latin word that follows it."""
    return " " + text if text[:1].isascii() else text


def _described(kind: FileKind) -> str:
    return kind.label if kind.label != "图片" else f"图片（{kind.name}）"


def _allowed_text(allowed: Collection[FileKind]) -> str:
    by_label: dict[str, list[str]] = {}
    for kind in FileKind:
        if kind in allowed:
            by_label.setdefault(kind.label, []).extend(kind.extensions[:2])
    return "、".join(f"{label}（{'、'.join(exts)}）" for label, exts in by_label.items())


def _mismatch(subject: str, what: str, expected: FileKind | None, *,
              allowed: Collection[FileKind] = EVIDENCE_KINDS) -> ApplicationError:
    """The content is `what`, not the kind its extension names (or no accepted kind at all)."""
    if expected is not None:
        return ApplicationError(f"{subject}的内容是{_w(what)}，不是{_w(expected.label)}，已拒绝上传。")
    return ApplicationError(f"{subject}的内容是{_w(what)}，不能上传；这里只能上传{_w(_allowed_text(allowed))}。")


def _macro_refusal(subject: str, instead: str) -> ApplicationError:
    return ApplicationError(f"{subject}含有宏（启用宏的文档），为安全起见已拒绝；请另存为不含宏的 {instead} 后再上传。")


def _size_refusal(subject: str, size: int, max_bytes: int, *, at_least: bool = False) -> ApplicationError:
    shown = "" if at_least else f"为 {size / MB:,.1f} MB，"
    return ApplicationError(f"{subject}大小{shown}超过 {_size_text(max_bytes)} 的上限，请压缩或拆分后再上传。")


def _size_text(size: int) -> str:
    if size >= MB:
        return f"{size // MB:,} MB" if size % MB == 0 else f"{size / MB:,.1f} MB"
    return f"{max(size // 1024, 1):,} KB"


# ---------------------------------------------------------------- storage and responses


def upload_store(*, checked: CheckedUpload, content: bytes | BinaryIO, folder: str) -> str:
    """Write a checked file to MEDIA_ROOT/<folder>/<yyyy>/<mm>/<random>.<ext> atomically; return that path
    relative to MEDIA_ROOT (what a FileField stores)."""
    parts = folder.strip("/").split("/")
    if not all(_FOLDER_PART.fullmatch(part) for part in parts):
        raise ValueError(f"folder must be lower-case path segments, got {folder!r}")
    month = timezone.localdate()
    relative = PurePosixPath(*parts, f"{month:%Y}", f"{month:%m}", secrets.token_hex(16) + checked.kind.extension)
    target = _media_root().joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        digest, written = hashlib.sha256(), 0
        with os.fdopen(handle, "wb") as out:
            for chunk in _chunks(content, limit=checked.size + 1):
                out.write(chunk)
                digest.update(chunk)
                written += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if written != checked.size or digest.hexdigest() != checked.sha256:
            raise ApplicationError(f"文件“{checked.display_name}”在检查之后发生了变化，未保存；请重新上传。")
        os.chmod(temporary, getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or 0o644)
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return relative.as_posix()


def _chunks(content: bytes | BinaryIO, *, limit: int) -> Iterator[bytes]:
    if isinstance(content, (bytes, bytearray, memoryview)):
        view = memoryview(content)[:limit]
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start: start + CHUNK])
        return
    if content.seekable():
        content.seek(0)
    read = 0
    while read < limit and (chunk := content.read(min(CHUNK, limit - read))):
        read += len(chunk)
        yield chunk


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def upload_resolve(*, path: str) -> Path:
    """The absolute file for a stored relative `path`; SuspiciousFileOperation when it would leave MEDIA_ROOT."""
    root = _media_root()
    if not path or "\0" in path or path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        raise SuspiciousFileOperation(f"upload path {path!r} is not a relative path under MEDIA_ROOT")
    target = (root / path).resolve()
    if target == root or not target.is_relative_to(root):
        raise SuspiciousFileOperation(f"upload path {path!r} leaves MEDIA_ROOT")
    return target


def upload_delete(*, path: str) -> None:
    """Remove a stored file; a file already gone is fine."""
    with suppress(FileNotFoundError):
        upload_resolve(path=path).unlink()


def upload_response(*, path: str, display_name: str, content_type: str, inline: bool) -> FileResponse:
    """Stream a stored file under its display name: inline only for PDF and images, never as a page (HTML);
    any other type goes as an attachment of application/octet-stream."""
    target = upload_resolve(path=path)
    try:
        handle = target.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404("文件不存在或已被删除。") from None
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in _CONTENT_TYPES.values():
        content_type = "application/octet-stream"
    inline = inline and content_type in INLINE_CONTENT_TYPES
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = _content_disposition(display_name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if inline:
        # The 查看 page may embed the PDF or image; the site's own policy forbids all framing.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


def _content_disposition(display_name: str, *, inline: bool) -> str:
    """A Content-Disposition value with an ASCII fallback and the RFC 5987 UTF-8 name for Chinese names."""
    name = safe_filename(display_name)
    extension = _extension(name)
    fallback = name if name.isascii() else "download" + (extension if extension.isascii() else "")
    quoted = quote(name, safe="")
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"
