"""Every message a clerk, a sales manager or an auditor reads, in Chinese and English.

A message is a code and its named values: ``text("error.file_not_found", "zh", file="a.xlsx")``.
The texts say what happened, where (file, sheet, row, column) and what to do, in the clerk's
words: no option names, key paths or library names (the technical detail goes to the log).
``tests/test_catalogue.py`` walks every code and fails on a missing or untranslated text.

Codes are grouped by prefix, one section per part of the program:
``error.*`` (reading, writing, rating, the register), ``policy.*`` (policy problems and
differences), ``mapping.*`` (column mapping and its profiles), ``cli.*`` (command-line lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

LANGS = ("zh", "en")

# code -> (Chinese, English); values by name: {file}, {sheet}, {row}, {column}, ...
CATALOGUE: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ errors (error.*)
    "error.unknown": ("发生了无法识别的问题：{detail}", "Something went wrong: {detail}"),
    # ------------------------------------------------------------------ policy (policy.*)
    # ------------------------------------------------------------------ mapping (mapping.*)
    # The column mapping dialog and the profile manager (desktop/ui/mapping_dialog.py). Field
    # and column lists come joined in the language ("客户编号、客户名称"; "L 经营状况、O 资产总额(万元)").
    "mapping.title": ("列映射 — {file} / {sheet}", "Column mapping — {file} / {sheet}"),
    "mapping.required": ("必须映射：{fields}", "Required: {fields}"),
    "mapping.missing": ("评级用到、但还没有映射的字段：{fields}。请为它们选择列，或勾选“无此数据”确认工作表中没有这些数据。",
                        "Fields the rating uses that are not mapped: {fields}. Choose their columns, or tick "
                        "“Not in the sheet” to confirm the sheet holds no such data."),
    "mapping.unused": ("未使用的列：{columns}。这些列有数据，但没有映射到任何字段，导入时不会读取。",
                       "Unused columns: {columns}. They hold data but are mapped to no field, so they are not read."),
    "mapping.confirm_absent": ("以下评级用到的字段没有映射：{fields}。\n\n确认工作表中没有这些数据吗？没有的数据按“缺失”评分。",
                               "These fields the rating uses are not mapped: {fields}.\n\nConfirm that the sheet "
                               "holds no such data? Data that is not there is scored as missing."),
    "mapping.profile_matches": ("此表头已有映射方案“{name}”。", "This header row has the mapping profile “{name}”."),
    "mapping.profile_place": ("{file} / {sheet}（{at}）", "{file} / {sheet} ({at})"),
    "mapping.profile_saved_from": ("保存自 {file} / {sheet}（{at}）", "Saved from {file} / {sheet} ({at})"),
    "mapping.profile_used": ("{at} 读取 {file} / {sheet}", "{at}: read {file} / {sheet}"),
    "mapping.profile_columns": ("{kind}，{count} 列：{columns}", "{kind}, {count} columns: {columns}"),
    "mapping.profile_absent": ("确认没有的数据：{fields}", "Confirmed not in the sheet: {fields}"),
    "mapping.profile_name_taken": ("已有名为“{name}”的映射方案，请换一个名称。",
                                   "There is already a mapping profile named “{name}”: choose another name."),
    "mapping.profile_delete": ("删除映射方案“{name}”？之后同样表头的工作表不再按它读取，需要重新映射。",
                               "Delete the mapping profile “{name}”? Sheets with its header row are then no longer "
                               "read with it and must be mapped again."),
    "mapping.profile_not_written": ("无法写入映射方案文件 {file}（可能没有权限或磁盘已满），映射方案未更改。",
                                    "The mapping profiles file {file} cannot be written (no permission, or the disk "
                                    "is full): the profiles are unchanged."),
    "mapping.profile_changed": ("映射方案已更改：下次导入时生效。", "Mapping profiles changed: this applies from the next import."),
    # ------------------------------------------------------------------ command line (cli.*)
}

_FIELD = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}]*)?\}")


def fields(code: str) -> set[str]:
    """The named values a message's texts use (both languages use the same names)."""
    zh, en = CATALOGUE[code]
    return set(_FIELD.findall(zh)) | set(_FIELD.findall(en))


def text(code: str, lang: str = "zh", /, **values: Any) -> str:
    """The message ``code`` in ``lang`` with its values filled in; a value that is itself a
    ``Message`` is worded in the same language. An unknown code is a bug: it raises KeyError."""
    zh, en = CATALOGUE[code]
    template = zh if lang == "zh" else en
    filled = {k: (v.text(lang) if isinstance(v, Message) else "" if v is None else v) for k, v in values.items()}
    try:
        return template.format(**filled)
    except (KeyError, IndexError, ValueError):  # a missing value, or one of another type than the text expects
        return _FIELD.sub(lambda m: str(filled.get(m.group(1), "")), template)


@dataclass(frozen=True)
class Message:
    """A message not yet worded: its code and values (picklable, so the engine can send it)."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        return text(self.code, lang, **self.values)

    def __str__(self) -> str:
        return self.text("en")


def has_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in s)


# An English sentence: three or more ASCII words in a row (file names and codes are single tokens).
_ASCII_SENTENCE = re.compile(r"[A-Za-z][a-z']+(?:[ ,;:]+[A-Za-z][a-z']+){2,}")


def english_sentences(s: str) -> list[str]:
    """The runs of English words in ``s`` (what a Chinese screen or workbook must not hold)."""
    return _ASCII_SENTENCE.findall(s)
