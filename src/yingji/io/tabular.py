"""Rows in and out of CSV and XLSX files, with headers matched to a column spec.

Offices keep their lists in Excel and in CSVs saved by WPS or Excel in GB18030, with English
or Chinese headers; all of those must read the same. Row numbers are the ones the user sees
in the spreadsheet (header is row 1), so every error points at a cell they can find.

A GeoJSON FeatureCollection (from a GIS) reads as a table too: its properties are the
columns and each feature's geometry fills the ``geometry`` column; rows are then numbered
by feature (the first feature is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from yingji.errors import ValidationFailed

csv.field_size_limit(2**31 - 1)  # region geometries as WKT run far past the 128 KiB default

Source = Path | str | bytes
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767
NOTES_SHEET = "说明"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@")
"""Spreadsheet programs run a CSV cell starting with these as a formula (CSV injection)."""


@dataclass(frozen=True)
class Column:
    """One column of an import kind: its English name, Chinese label and what it holds."""

    name: str
    label: str
    required: bool = False
    example: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class Table:
    """A file's header resolved against the spec, and its data rows (read lazily)."""

    fields: list[str]
    """Column names found, in file order."""
    ignored: list[str]
    """Headers that match no column; their cells are not read."""
    errors: list[dict[str, Any]]
    """Header problems (row 1): missing required or duplicated columns."""
    rows: Iterator[tuple[int, dict[str, str]]] = field(repr=False)


def header_key(text: str) -> str:
    """Headers compare without case, spaces, a required-marker star or a bracketed hint."""
    key = str(text or "").replace("\ufeff", "").strip()
    key = re.split(r"[(（]", key, maxsplit=1)[0]
    return re.sub(r"[\s*＊_\-]+", "", key).lower()


def header_lookup(columns: Sequence[Column]) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in columns:
        for alias in (col.name, col.label, *col.aliases):
            out[header_key(alias)] = col.name
    return out


def format_of(filename: str) -> str:
    """``csv`` or ``xlsx`` from the file name's extension."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix == ".xls":
        raise ValidationFailed(
            "不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv / "
            ".xls is not supported, save as .xlsx or .csv",
            [{"row": 0, "field": "file", "reason": "unsupported format .xls"}],
        )
    raise ValidationFailed(
        f"无法识别文件类型 {suffix or '(无扩展名)'}，请使用 .csv、.xlsx 或 .geojson / "
        f"unknown file type {suffix or '(none)'}, use .csv, .xlsx or .geojson",
        [{"row": 0, "field": "file", "reason": f"unknown file type {suffix!r}"}],
    )


def read_table(source: Source, filename: str | None, columns: Sequence[Column]) -> Table:
    """Open ``source`` (a path, or bytes named ``filename``) and match its header to ``columns``."""
    if isinstance(source, str | Path):
        filename = filename or str(source)
    fmt = format_of(filename or "")
    readers = {"csv": _csv_rows, "xlsx": _xlsx_rows, "geojson": _geojson_rows}
    raw_rows = readers[fmt](source)
    header: list[str] = []
    seen_rows = 0
    for values in raw_rows:
        seen_rows += 1
        if any(v for v in values):
            header = values
            break
    if not header:
        raise ValidationFailed(
            "文件为空 / the file is empty", [{"row": 1, "field": "file", "reason": "empty file"}]
        )
    # A GeoJSON header is made up from the properties: features count from 1.
    header_row = 0 if fmt == "geojson" else seen_rows
    lookup = header_lookup(columns)
    positions: list[tuple[int, str]] = []
    ignored: list[str] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, text in enumerate(header):
        name = lookup.get(header_key(text))
        if name is None:
            if text.strip():
                ignored.append(text.strip())
            continue
        if name in seen:
            errors.append(
                {"row": header_row, "field": name, "reason": f"列重复 / duplicate column {text!r}"}
            )
            continue
        seen.add(name)
        positions.append((index, name))
    for col in columns:
        if col.required and col.name not in seen:
            errors.append(
                {
                    "row": header_row,
                    "field": col.name,
                    "reason": f"缺少必填列“{col.label}” / missing column {col.name}",
                }
            )

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, values in enumerate(raw_rows, start=header_row + 1):
            if not any(values):
                continue
            width = len(values)
            yield number, {name: values[i] if i < width else "" for i, name in positions}

    return Table([name for _, name in positions], ignored, errors, rows())


def read_rows(
    source: Source, filename: str | None, columns: Sequence[Column]
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(sheet row number, {column name: text})`` per data row; header problems raise
    :class:`ValidationFailed` before any row is read."""
    table = read_table(source, filename, columns)
    if table.errors:
        raise ValidationFailed(
            f"表头有误，共 {len(table.errors)} 处 / bad header: {len(table.errors)} problems",
            table.errors,
        )
    return table.rows


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "无法识别文件编码，请保存为 UTF-8 / unknown text encoding, save the file as UTF-8",
            [{"row": 0, "field": "file", "reason": "neither UTF-8 nor GB18030"}],
        ) from exc


def _unguard(text: str) -> str:
    """Undo the formula guard :func:`iter_csv` adds."""
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        return text[1:]
    return text


def _csv_rows(source: Source) -> Iterator[list[str]]:
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        cells = [v.strip() for v in values]
        if "'" in "".join(cells):  # rare: only then look for guarded cells
            cells = [_unguard(c) for c in cells]
        yield cells


def _geojson_rows(source: Source) -> Iterator[list[str]]:
    """A header (every property name, then ``geometry``) and one row per feature."""
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source
    try:
        doc = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"GeoJSON 解析失败 / invalid GeoJSON: {exc.msg}",
            [{"row": 0, "field": "file", "reason": f"invalid JSON at line {exc.lineno}"}],
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationFailed(
            "须为 GeoJSON FeatureCollection / the file must be a GeoJSON FeatureCollection",
            [{"row": 0, "field": "file", "reason": "not a FeatureCollection"}],
        )
    features = [f if isinstance(f, dict) else {} for f in doc.get("features") or []]
    names: dict[str, None] = {}
    for feature in features:
        names.update(dict.fromkeys(k for k in feature.get("properties") or {} if k != "geometry"))
    yield [*names, "geometry"]
    for feature in features:
        props = feature.get("properties") or {}
        geometry = feature.get("geometry")
        shape = json.dumps(geometry, ensure_ascii=False) if geometry else ""
        values = (props.get(name) for name in names)
        cells = [json.dumps(v) if isinstance(v, dict | list) else cell_text(v) for v in values]
        yield [*cells, shape]


def cell_text(value: Any) -> str:
    """A cell as the text a user typed: 13800138000.0 is ``13800138000``, dates are ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(source: Source) -> Iterator[list[str]]:
    target = Path(source) if isinstance(source, str | Path) else io.BytesIO(source)
    try:
        wb = load_workbook(target, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt or foreign file
        raise ValidationFailed(
            "无法读取 XLSX 文件 / cannot read the XLSX file",
            [{"row": 0, "field": "file", "reason": f"{type(exc).__name__}: {exc}"}],
        ) from exc
    try:
        sheets = [ws for ws in wb.worksheets if ws.title != NOTES_SHEET] or wb.worksheets
        for values in sheets[0].iter_rows(values_only=True):
            yield [cell_text(v) for v in values]
    finally:
        wb.close()


# --- writing ---------------------------------------------------------------------------


def export_text(value: Any) -> str:
    """A value as it is written to a file; floats keep full precision so they read back equal."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def iter_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], chunk: int = 5000
) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (so Excel shows Chinese correctly), encoded chunk by chunk."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff".encode() + buf.getvalue().encode()
    buf.seek(0)
    buf.truncate()
    for count, row in enumerate(rows, start=1):
        cells = []
        for value in row:
            text = export_text(value)
            if text.startswith(_FORMULA_START):
                text = "'" + text
            cells.append(text)
        writer.writerow(cells)
        if count % chunk == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return b"".join(iter_csv(header, rows))


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    notes: Sequence[Sequence[str]] | None = None,
) -> bytes:
    """An XLSX built in write-only mode; every cell is text so codes keep leading zeros and
    nothing runs as a formula. ``notes`` become a second sheet "说明"."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(list(header))
    written = 1
    for row in rows:
        written += 1
        if written > XLSX_MAX_ROWS:
            raise ValidationFailed(
                f"超过 XLSX 的 {XLSX_MAX_ROWS} 行上限，请导出为 CSV / "
                f"more than {XLSX_MAX_ROWS} rows, "
                "export as CSV instead",
                [{"row": written, "field": "file", "reason": "too many rows for XLSX"}],
            )
        ws.append([_text_cell(ws, export_text(v), written) for v in row])
    if notes is not None:
        sheet = wb.create_sheet(NOTES_SHEET)
        for line in notes:
            sheet.append(list(line))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text_cell(ws: Any, text: str, row: int) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > XLSX_MAX_CELL:
        raise ValidationFailed(
            f"第 {row} 行有超过 {XLSX_MAX_CELL} 字符的值（如复杂边界），请导出为 CSV / row {row} "
            f"holds a value longer than {XLSX_MAX_CELL} characters, export as CSV instead",
            [{"row": row, "field": "file", "reason": "cell too long for XLSX"}],
        )
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # never a formula, even for "=..."
    return cell
