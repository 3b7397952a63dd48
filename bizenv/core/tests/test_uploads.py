"""The upload policy: files judged by content, refused with a Chinese reason naming them; stored under random
names; sent back with safe headers; Word and Excel previewed as escaped HTML."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
import zlib
from urllib.parse import quote

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from docx import Document
from openpyxl import Workbook
from PIL import Image

from bizenv.core.errors import ApplicationError
from bizenv.core.previews import docx_to_html, xlsx_to_html
from bizenv.core.tests.officekit import small_xlsx, xlsx_with
from bizenv.core.uploads import (
    EVIDENCE_KINDS,
    MB,
    FileKind,
    safe_filename,
    upload_check,
    upload_delete,
    upload_resolve,
    upload_response,
    upload_store,
)

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
               b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")


def refusal(**kwargs) -> str:
    with pytest.raises(ApplicationError) as refused:
        upload_check(**kwargs)
    return refused.value.message


def word(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = Document()
    document.add_heading("整改措施落实情况", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def picture(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def rezip(content: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """The same OOXML package with parts replaced or added."""
    replace, out = replace or {}, io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, replace.get(entry.filename, source.read(entry)))
        for name, part in (add or {}).items():
            target.writestr(name, part)
    return out.getvalue()


class HugeUpload:
    """Stands for a 500 MB UploadedFile: it reports its size and fails if anyone reads it."""

    size = 500 * MB

    def read(self, *args):
        raise AssertionError("a 500 MB upload was read")

    def seek(self, *args):
        raise AssertionError("a 500 MB upload was read")

    def seekable(self):
        return True


class Trickle(io.RawIOBase):
    """A non-seekable stream without a size (a request body), endless zeros."""

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"\0" * len(buffer)
        return len(buffer)


# ---------------------------------------------------------------- accepted files


@pytest.mark.parametrize("content, filename, kind, mime", [
    (word("按期完成整改。"), "整改报告.docx", FileKind.DOCX,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (small_xlsx(), "台账.xlsx", FileKind.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (MINIMAL_PDF, "批复.pdf", FileKind.PDF, "application/pdf"),
    (picture("PNG"), "现场照片.png", FileKind.PNG, "image/png"),
    (picture("JPEG"), "现场照片.JPG", FileKind.JPEG, "image/jpeg"),
    (picture("GIF"), "示意.gif", FileKind.GIF, "image/gif"),
])
def test_genuine_files_pass_with_their_kind_type_size_and_hash(content, filename, kind, mime):
    checked = upload_check(content=content, filename=filename, allowed=EVIDENCE_KINDS, max_bytes=20 * MB)

    assert (checked.kind, checked.content_type, checked.display_name) == (kind, mime, filename)
    assert checked.size == len(content) and checked.sha256 == hashlib.sha256(content).hexdigest()


def test_the_labels_users_read_are_chinese():
    assert [k.label for k in FileKind] == ["Word 文档", "Excel 表格", "PDF 文件", "图片", "图片", "图片"]


def test_an_uploaded_file_is_checked_by_its_size_and_left_where_it_was():
    upload = SimpleUploadedFile("佐证.docx", word("内容"), content_type="text/html")
    upload.seek(5)

    checked = upload_check(content=upload, filename=upload.name)

    assert checked.kind is FileKind.DOCX and checked.content_type != "text/html"
    assert upload.tell() == 5


# ---------------------------------------------------------------- refused by content


@pytest.mark.parametrize("content, what", [
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200 + b"This program cannot be run in DOS mode", "可执行程序"),
    (b"\x7fELF\x02\x01\x01" + b"\0" * 100, "可执行程序"),
    (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\0" * 100, "可执行程序"),
    (b"#!/bin/sh\nrm -rf /\n", "脚本"),
    (b"\xef\xbb\xbf<!DOCTYPE html><html><script>alert(1)</script></html>", "网页（HTML）"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', " SVG 矢量图（可以含有脚本）"),
])
def test_a_renamed_program_script_or_page_is_refused_saying_what_it_is(content, what):
    message = refusal(content=content, filename="x.docx")

    assert f"文件“x.docx”的内容是{what}" in message and "不是 Word 文档" in message


def test_an_executable_with_an_unknown_extension_is_refused_listing_what_may_be_uploaded():
    message = refusal(content=b"MZ" + b"\0" * 64, filename="setup.exe")

    assert message.startswith("文件“setup.exe”的内容是可执行程序，不能上传")
    assert "Word 文档（.docx）、Excel 表格（.xlsx）、PDF 文件（.pdf）、图片（.png、.jpg、.jpeg、.gif）" in message


@pytest.mark.parametrize("content, filename, reason", [
    (word("正文"), "整改报告.pdf", "的内容是 Word 文档，与扩展名 .pdf 不符；请把扩展名改为 .docx"),
    (picture("PNG"), "照片.jpg", "的内容是图片（PNG），与扩展名 .jpg 不符"),
    (MINIMAL_PDF, "批复", "没有扩展名，其内容是 PDF 文件；请加上扩展名 .pdf"),
    (b"just text, not a PDF", "批复.pdf", "的内容是纯文本，不是 PDF 文件"),
])
def test_the_extension_must_agree_with_the_content(content, filename, reason):
    assert reason in refusal(content=content, filename=filename)


def test_a_kind_not_allowed_here_is_refused_naming_what_is():
    message = refusal(content=picture("PNG"), filename="照片.png", allowed={FileKind.DOCX})

    assert message == "文件“照片.png”是图片（PNG），这里只能上传 Word 文档（.docx）。"


def test_a_zip_that_is_not_an_office_file_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document/>")  # looks like Word, has no content types

    assert "文件“报告.docx”的内容是压缩包（ZIP），不是 Word 文档" in refusal(content=out.getvalue(), filename="报告.docx")


def test_a_damaged_office_package_is_refused_not_crashed_on():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                                b'content-types"/>')
        archive.writestr("word/document.xml", b"<w:document/>")
    damaged = out.getvalue().replace(b"<Types", b"<Typez")  # the stored part no longer matches its CRC

    assert refusal(content=damaged, filename="报告.docx") == "文件“报告.docx”已损坏，无法读取其内容，请重新保存后再上传。"


def test_a_zip_bomb_disguised_as_a_word_document_is_refused_from_its_directory():
    zeros = b"\0" * (4 * MB)  # deflates about a thousandfold, far beyond the 200× a document part reaches
    bomb = rezip(word("正文"), add={f"word/media/image{i}.png": zeros for i in range(3)})

    message = refusal(content=bomb, filename="bomb.docx")

    assert message.startswith("文件“bomb.docx”中的“word/media/image0.png”压缩比约为")
    assert "可能是压缩炸弹，已拒绝" in message


@pytest.mark.parametrize("content, filename", [
    (xlsx_with({"xl/vbaProject.bin": b"Attribute VB_Name"}), "台账.xlsx"),  # a macro project inside
    (small_xlsx(), "台账.xlsm"),  # a macro-enabled name
    (rezip(small_xlsx(), replace={"[Content_Types].xml": zipfile.ZipFile(io.BytesIO(small_xlsx())).read(
        "[Content_Types].xml").replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    }), "台账.xlsx"),  # declared macro-enabled by its content types
])
def test_a_macro_enabled_workbook_is_refused(content, filename):
    message = refusal(content=content, filename=filename)

    assert message.startswith(f"文件“{filename}”含有宏") and "为安全起见已拒绝" in message and ".xlsx" in message


def test_a_document_with_a_remote_template_is_refused():
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'attachedTemplate" Target="http://203.0.113.9/t.dotm" TargetMode="External"/></Relationships>')

    message = refusal(content=rezip(word("正文"), add={"word/_rels/settings.xml.rels": rels}), filename="通知.docx")

    assert "引用了网络上的外部模板" in message


@pytest.mark.parametrize("stream_name, filename, reason", [
    ("WordDocument", "方案.doc", "是旧版 Word 文档（.doc），不能上传；请用 Word 或 WPS 打开后“另存为” Word 文档（.docx）再上传"),
    ("Workbook", "台账.xls", "是旧版 Excel 表格（.xls），不能上传；请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再上传"),
    ("EncryptionInfo", "方案.docx", "设置了打开密码（已加密），无法检查其内容；请取消密码后再上传"),
])
def test_legacy_and_encrypted_office_files_are_refused_with_advice(stream_name, filename, reason):
    content = OLE + b"\0" * 1000 + stream_name.encode("utf-16-le") + b"\0" * 500

    assert refusal(content=content, filename=filename) == f"文件“{filename}”{reason}。"


@pytest.mark.parametrize("body, reason", [
    (b"3 0 obj <</Type /Action /S /JavaScript /JS (app.alert(1))>> endobj", "含有 JavaScript 脚本"),
    (b"3 0 obj <</S /Launch /F (cmd.exe)>> endobj", "含有启动外部程序的动作"),
    (b"3 0 obj <</S /J#61vaScript /J#53 (app.alert(1))>> endobj", "含有 JavaScript 脚本"),  # names spelt in hex
])
def test_a_pdf_with_scripts_or_launch_actions_is_refused(body, reason):
    content = MINIMAL_PDF.replace(b"trailer", body + b"\ntrailer")

    message = refusal(content=content, filename="材料.pdf")

    assert message.startswith(f"文件“材料.pdf”{reason}，为安全起见已拒绝")


def test_a_script_hidden_in_a_compressed_object_stream_is_found():
    hidden = zlib.compress(b"3 0 <</S /JavaScript /JS (app.alert(1))>>")
    body = b"4 0 obj <</Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d>>stream\n" % len(hidden)
    content = MINIMAL_PDF.replace(b"trailer", body + hidden + b"\nendstream endobj\ntrailer")

    assert "含有 JavaScript 脚本" in refusal(content=content, filename="材料.pdf")


def test_a_script_name_across_a_chunk_boundary_is_found():
    padding = b"%" + b" " * (MB - 7 - len(MINIMAL_PDF)) + b"\n"
    content = MINIMAL_PDF + padding + b"/JavaScript>>"  # the file is read by the megabyte: "/Java" | "Script"
    assert content[MB - 5: MB] == b"/Java"

    assert "JavaScript" in refusal(content=content, filename="材料.pdf")


def test_a_damaged_image_is_refused():
    content = picture("PNG")[:60]

    assert refusal(content=content, filename="照片.png") == "文件“照片.png”不是完整的图片，可能已损坏，请重新保存后再上传。"


# ---------------------------------------------------------------- size


def test_a_500_mb_upload_is_refused_by_its_size_without_being_read():
    message = refusal(content=HugeUpload(), filename="航拍.pdf", max_bytes=20 * MB)

    assert message == "文件“航拍.pdf”大小为 500.0 MB，超过 20 MB 的上限，请压缩或拆分后再上传。"


def test_a_stream_without_a_size_is_read_only_up_to_the_limit():
    message = refusal(content=io.BufferedReader(Trickle()), filename="a.pdf", max_bytes=64 * 1024)

    assert message == "文件“a.pdf”大小超过 64 KB 的上限，请压缩或拆分后再上传。"


def test_an_empty_file_is_refused():
    assert refusal(content=b"", filename="a.docx") == "文件“a.docx”是空文件，请选择有内容的文件。"


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd.docx", "passwd.docx"),
    ("..\\..\\Windows\\整改报告.docx", "整改报告.docx"),
    ("/var/www/佐证材料.pdf", "佐证材料.pdf"),
    ("C:\\Users\\张三\\台账.xlsx", "台账.xlsx"),
    ("佐证\x00材料\r\n\x1b[31m.pdf", "佐证材料[31m.pdf"),
    ("报告\u202excod.exe", "报告xcod.exe"),  # the right-to-left override that disguises extensions
    ('a<b>:c"d|e?f*.png', "abcdef.png"),
    ("整改方案.docx. . ", "整改方案.docx"),
    ("CON.pdf", "_CON.pdf"),
    ("../", "未命名"),
    ("", "未命名"),
    (".docx", "未命名.docx"),
    ("\x01\x02.xlsx", "未命名.xlsx"),
])
def test_file_names_lose_folders_control_and_reserved_characters(name, safe):
    assert safe_filename(name) == safe


def test_a_long_chinese_name_is_shortened_keeping_its_extension():
    safe = safe_filename("关于" + "营商环境" * 60 + "的整改报告.docx")

    assert safe.startswith("关于营商环境") and safe.endswith(".docx")
    assert len(safe) <= 100 and len(safe.encode()) <= 240


def test_the_checked_name_is_the_safe_one():
    checked = upload_check(content=word("正文"), filename="../../\x07整改报告.docx")

    assert checked.display_name == "整改报告.docx"


# ---------------------------------------------------------------- storage and responses


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_stored_file_gets_a_random_name_by_month_under_media_root(media):
    content = word("正文")
    checked = upload_check(content=content, filename="整改报告.docx")

    first = upload_store(checked=checked, content=content, folder="monitoring/evidence")
    second = upload_store(checked=checked, content=io.BytesIO(content), folder="monitoring/evidence")

    assert re.fullmatch(r"monitoring/evidence/\d{4}/\d{2}/[0-9a-f]{32}\.docx", first) and first != second
    assert (media / first).read_bytes() == content == (media / second).read_bytes()
    assert sorted(p.name for p in (media / first).parent.iterdir()) == sorted([first[-37:], second[-37:]])


def test_content_that_changed_after_the_check_is_not_stored(media):
    checked = upload_check(content=word("正文"), filename="整改报告.docx")

    with pytest.raises(ApplicationError) as refused:
        upload_store(checked=checked, content=word("另一份"), folder="monitoring/evidence")

    assert "在检查之后发生了变化，未保存" in refused.value.message
    assert not any(path.is_file() for path in media.rglob("*"))  # no partial or temporary file left


def test_a_folder_must_be_plain_segments(media):
    checked = upload_check(content=MINIMAL_PDF, filename="a.pdf")

    with pytest.raises(ValueError):
        upload_store(checked=checked, content=MINIMAL_PDF, folder="../static")


def _headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.items()}


def test_a_pdf_is_sent_inline_under_its_chinese_name(media):
    checked = upload_check(content=MINIMAL_PDF, filename="整改批复.pdf")
    path = upload_store(checked=checked, content=MINIMAL_PDF, folder="monitoring/evidence")

    response = upload_response(path=path, display_name=checked.display_name, content_type=checked.content_type,
                               inline=True)

    headers = _headers(response)
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == \
        f"inline; filename=\"download.pdf\"; filename*=UTF-8''{quote('整改批复.pdf')}"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-length"] == str(len(MINIMAL_PDF))
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    response.file_to_stream.close()  # close() would also signal the end of a request


def test_word_is_downloaded_and_a_page_type_never_reaches_the_browser(media):
    content = word("正文")
    checked = upload_check(content=content, filename="report.docx")
    path = upload_store(checked=checked, content=content, folder="monitoring/evidence")

    as_word = upload_response(path=path, display_name="report.docx", content_type=checked.content_type, inline=True)
    as_page = upload_response(path=path, display_name="x.html", content_type="text/html; charset=utf-8", inline=True)

    assert _headers(as_word)["content-disposition"] == "attachment; filename=\"report.docx\"; filename*=UTF-8''report.docx"
    assert _headers(as_word)["content-type"] == checked.content_type
    assert _headers(as_page)["content-type"] == "application/octet-stream"
    assert _headers(as_page)["content-disposition"].startswith("attachment;")
    as_word.file_to_stream.close()
    as_page.file_to_stream.close()


@pytest.mark.parametrize("path", ["../secret_key", "/etc/passwd", "monitoring/../../secret_key", "C:/x", "", "a\0b"])
def test_a_path_outside_media_root_is_refused(media, path):
    with pytest.raises(SuspiciousFileOperation):
        upload_response(path=path, display_name="x.pdf", content_type="application/pdf", inline=True)


def test_a_link_out_of_media_root_is_refused(media, tmp_path):
    (tmp_path / "outside.pdf").write_bytes(MINIMAL_PDF)
    media.mkdir(parents=True)
    os.symlink(tmp_path / "outside.pdf", media / "link.pdf")

    with pytest.raises(SuspiciousFileOperation):
        upload_resolve(path="link.pdf")


def test_a_deleted_file_is_not_found(media):
    checked = upload_check(content=MINIMAL_PDF, filename="a.pdf")
    path = upload_store(checked=checked, content=MINIMAL_PDF, folder="monitoring/evidence")

    upload_delete(path=path)
    upload_delete(path=path)  # twice is fine

    with pytest.raises(Http404):
        upload_response(path=path, display_name="a.pdf", content_type="application/pdf", inline=True)


# ---------------------------------------------------------------- previews


def test_a_word_preview_escapes_text_and_renders_headings_runs_and_tables():
    document = Document()
    document.add_heading("整改措施", level=1)
    paragraph = document.add_paragraph("<script>alert('x')</script> ")
    paragraph.add_run("按期完成").bold = True
    grid = document.add_table(rows=2, cols=2)
    grid.cell(0, 0).text, grid.cell(0, 1).text = "措施", "责任单位"
    grid.cell(1, 0).text, grid.cell(1, 1).text = "压缩办理时限", "市场监管局 & 政务服务局"
    out = io.BytesIO()
    document.save(out)

    html = docx_to_html(out.getvalue())

    assert "<script" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<h2>整改措施</h2>" in html and "<strong>按期完成</strong>" in html
    assert "<td>措施</td><td>责任单位</td>" in html and "<td>市场监管局 &amp; 政务服务局</td>" in html


def test_merged_word_cells_span():
    document = Document()
    grid = document.add_table(rows=2, cols=2)
    grid.cell(0, 0).merge(grid.cell(0, 1)).text = "合计"
    out = io.BytesIO()
    document.save(out)

    assert '<td colspan="2">合计</td>' in docx_to_html(out.getvalue())


def test_an_excel_preview_shows_the_first_rows_escaped():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "整改台账"
    sheet.append(["地区", "完成率", "<img src=x onerror=alert(1)>"])
    for i in range(10):
        sheet.append([f"县{i}", 0.5 + i / 100, None])
    out = io.BytesIO()
    workbook.save(out)

    html = xlsx_to_html(out.getvalue(), max_rows=3)

    assert "<h3>整改台账</h3>" in html and "<img" not in html and "&lt;img src=x" in html
    assert "<tr><td>县0</td><td>0.5</td><td></td></tr>" in html and "县2" not in html
    assert "仅显示前 3 行" in html


def test_a_damaged_document_cannot_be_previewed_and_says_so():
    with pytest.raises(ApplicationError) as refused:
        docx_to_html(rezip(word("正文"), replace={"word/document.xml": b"<not xml"}))

    assert refused.value.message == "该 Word 文档已损坏或不是 .docx 格式，无法在线查看，请下载后查看。"
