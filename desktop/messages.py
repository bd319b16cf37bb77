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
