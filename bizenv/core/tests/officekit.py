"""Office files for upload tests: a real workbook, and bomb-like archives built cheaply in a temp dir."""

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

CHUNK = b"\0" * (1024 * 1024)


def small_xlsx() -> bytes:
    """A genuine one-sheet workbook."""
    workbook = Workbook()
    workbook.active.append(["region", "indicator", "period", "value"])
    workbook.active.append(["990101", "starting.time", "2026-09", 2])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bomb_xlsx(directory: Path, *, unpacked_mb: int = 250) -> bytes:
    """A real workbook whose sheet1.xml is replaced by `unpacked_mb` MB of zeros, deflated while streamed."""
    path = Path(directory) / "bomb.xlsx"
    with zipfile.ZipFile(io.BytesIO(small_xlsx())) as source, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for entry in source.infolist():
            if entry.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(entry.filename, "w", force_zip64=True) as sheet:
                    for _ in range(unpacked_mb):
                        sheet.write(CHUNK)
            else:
                bomb.writestr(entry, source.read(entry))
    return path.read_bytes()


def xlsx_with(parts: dict[str, bytes]) -> bytes:
    """A real workbook with extra parts added (e.g. a macro project)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small_xlsx())) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry, source.read(entry))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()
