"""Import a file, export a kind, or produce a template: what the API and CLI call.

An import is all or nothing: every row is checked first and a single problem rejects the
file with the full list, so a user fixes the sheet once instead of row by row. Writes happen
in the caller's transaction (services only flush).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any, Literal

from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.errors import NotFound, ValidationFailed
from yingji.io import tabular
from yingji.io.kinds import KINDS

Format = Literal["csv", "xlsx"]
MEDIA_TYPES = {"csv": tabular.CSV_MEDIA_TYPE, "xlsx": tabular.XLSX_MEDIA_TYPE}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for people, Chinese first."""
        verb = "校验通过（未写入）" if self.dry_run else "导入完成"
        verb_en = "validated (nothing written)" if self.dry_run else "imported"
        return (
            f"{verb}：共 {self.rows} 行，新增 {self.created}，更新 {self.updated}，"
            f"未变 {self.unchanged} / {verb_en}: {self.rows} rows, {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )


def get_kind(kind: str) -> ModuleType:
    try:
        return KINDS[kind]
    except KeyError:
        raise NotFound(
            f"未知的数据类型 {kind!r}，可选 {'、'.join(KINDS)} / unknown kind {kind!r}, "
            f"one of {', '.join(KINDS)}"
        ) from None


def check_format(fmt: str) -> Format:
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed(
            f"不支持的格式 {fmt!r}，可选 csv、xlsx / unsupported format {fmt!r}, use csv or xlsx",
            [{"row": None, "field": "format", "reason": "must be csv or xlsx"}],
        )
    return fmt  # type: ignore[return-value]


def import_file(
    session: Session,
    actor: Actor,
    kind: str,
    source: tabular.Source,
    filename: str | None = None,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Validate the whole file, then (unless ``dry_run``) write it in the caller's transaction.

    Raises :class:`ValidationFailed` listing every bad cell if any row is wrong; then nothing
    is written.
    """
    module = get_kind(kind)
    actor.require_write()
    session.info.setdefault("actor", actor)  # who the audit entries name
    session.flush()  # pending ORM changes first: the import reads and writes with Core
    table = tabular.read_table(source, filename, module.COLUMNS)
    if table.errors:
        _reject(table.errors)
    plan, errors = module.validate(session, actor, table.rows)
    if errors:
        _reject(errors)
    report = ImportReport(kind, rows=plan.rows, dry_run=dry_run, ignored_columns=table.ignored)
    if dry_run:
        report.created, report.updated = len(plan.creates), len(plan.updates)
        report.unchanged = plan.unchanged
        return report
    counts = module.apply(session, actor, plan)
    session.expire_all()  # objects loaded before the Core writes may now be stale
    report.created, report.updated, report.unchanged = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    return report


def _reject(errors: list[dict[str, Any]]) -> None:
    ordered = sorted(errors, key=lambda e: e["row"] or 0)
    raise ValidationFailed(
        f"导入失败，共 {len(ordered)} 处错误 / import rejected: {len(ordered)} errors",
        details=ordered,
    )


def export(
    session: Session,
    actor: Actor,
    kind: str,
    fmt: str,
    under_region_id: int | None = None,
) -> bytes:
    """Every row of ``kind`` the actor may see (below ``under_region_id`` if given), in the
    importer's columns, so the file re-imports unchanged. Rows stream from the database."""
    module = get_kind(kind)
    fmt = check_format(fmt)
    root = actor.region_path
    if under_region_id is not None:
        root = actor.check_region(session, under_region_id).path
    header = [c.label for c in module.COLUMNS]
    rows = module.export_rows(session, actor, root)
    if fmt == "csv":
        return tabular.write_csv(header, rows)
    return tabular.write_xlsx(header, rows, title=module.LABEL)


def template(kind: str, fmt: str) -> bytes:
    """A header of Chinese labels and one example row; the XLSX adds a sheet "说明"."""
    module = get_kind(kind)
    fmt = check_format(fmt)
    header = [c.label for c in module.COLUMNS]
    example = [c.example for c in module.COLUMNS]
    if fmt == "csv":
        return tabular.write_csv(header, [example])
    notes = [
        ["列名 / column", "英文名 / name", "必填 / required", "示例 / example", "说明 / notes"]
    ]
    notes += [
        [c.label, c.name, "是 / yes" if c.required else "否 / no", c.example, c.description]
        for c in module.COLUMNS
    ]
    notes.append([])
    notes.append(
        [
            "表头可用中文列名或英文名；第 1 行为表头，错误按表格行号报告 / headers may be the "
            "Chinese labels or the English names; row 1 is the header and errors cite sheet rows"
        ]
    )
    if kind == "assignments":
        notes.append(
            [
                "示例行引用人员模板中的示例手机号，请先导入人员 / the example row uses the person "
                "from the persons template: import persons first"
            ]
        )
    return tabular.write_xlsx(header, [example], title=module.LABEL, notes=notes)


def filename_for(kind: str, fmt: str, what: Literal["export", "template"]) -> tuple[str, str]:
    """(ASCII name, Chinese name) for a download, e.g. ``persons-export-20250101.csv``."""
    module = get_kind(kind)
    stamp = dt.date.today().strftime("%Y%m%d")
    zh = "导出" if what == "export" else "导入模板"
    return f"{kind}-{what}-{stamp}.{fmt}", f"{module.LABEL}{zh}-{stamp}.{fmt}"
