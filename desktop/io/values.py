"""Parsers for the value forms real sheets contain.

Each parser takes one raw cell value (the reader gives text; tests and callers may also
pass int, float, bool, date or datetime) and returns ``(value, problem)``: the typed value
or None, and a problem text when the cell was rejected or doubtful.

``parse_column`` applies a parser to a whole column. The common forms (a number cell's
text, a date cell's ``YYYY-MM-DD HH:MM:SS``, a plain ASCII code, text) are converted
vectorised; every other value goes through the parser once per distinct value, so a
million-row column costs a few array passes plus one parse per distinct odd value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from desktop.core.models import FIRST_DAY, LAST_DAY

EXCEL_ERRORS = frozenset({"#NO_CACHED_VALUE", "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!"})
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_EPOCH_1904 = date(1904, 1, 1)

Parsed = tuple[Any, str | None]


def normalize_text(value: Any) -> str:
    """Full-width to half-width (NFKC), trimmed, inner whitespace folded."""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def is_blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


FORMULA_WITHOUT_VALUE = "#NO_CACHED_VALUE"  # set by the xlsx reader


def excel_error(value: Any) -> str | None:
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        return value.strip().upper()
    return None


def _error_problem(err: str) -> str:
    if err == FORMULA_WITHOUT_VALUE:
        return "formula without a saved value (open and save the file in Excel first)"
    return f"Excel error value {err}"


def parse_text(value: Any) -> Parsed:
    """Free text (names, reasons) as the user wrote it, trimmed: full-width punctuation stays."""
    if is_blank(value):
        return None, None
    if (err := excel_error(value)) is not None:
        return None, _error_problem(err)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 1500.0 from a number cell is the code 1500
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d"), None
    return str(value).strip(), None


def parse_code(value: Any) -> Parsed:
    """Codes and IDs: full-width to half-width, so 'Ｃ００７' and 'C007' are one customer.

    Invisible characters (a zero-width space or a soft hyphen pasted from a web page or a
    chat, a bidi mark, a non-breaking space) are removed, and said so: 'C001' followed by a
    zero-width space is the customer C001, not an unknown one.
    """
    text, problem = parse_text(value)
    if text is None:
        return None, problem
    cleaned = _INVISIBLE.sub("", text)
    if cleaned == text:
        return normalize_text(text), problem
    cleaned = normalize_text(cleaned)
    if not cleaned:
        return None, "the ID holds only invisible characters"
    return cleaned, "invisible characters removed from the ID"


# Characters that show as nothing (or as a plain space) in Excel: zero-width space, joiners,
# word joiner, byte-order mark, soft hyphen, bidi embeddings and marks, non-breaking spaces.
INVISIBLE_CHARS = "\u00a0\u00ad\u180e\u200b-\u200f\u202a-\u202f\u2060-\u2064\u2066-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")

_UNITS = {None: 1, "千": 1_000, "万": 10_000, "百万": 1_000_000, "亿": 100_000_000}
# An amount beyond this many 元 is refused (a typing error, or a cell holding 1e308): the
# fen then stay exact in a float (10^15 < 2^53) and far inside an int64. The importer
# applies it after the column's unit (a 万元 field's 10^9 is 10^13 元).
AMOUNT_LIMIT_YUAN = 10 ** 13
# The number forms taken: plain digits, commas in groups of three, spaces in groups of three
# (a pasted non-breaking space), each with an optional decimal point.
_NUMBER_FORMS = re.compile(r"\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?:\.\d+)?")
_CURRENCY_BEFORE = re.compile(r"^(?:RMB|CNY|¥)\s*", re.I)
_CURRENCY_AFTER = re.compile(r"\s*(?:元|RMB|CNY)$", re.I)
_SIGNS = re.compile(r"^(?:[-+]\s*)*")
_TEXT_UNIT = re.compile(r"^(?P<num>.*?)\s*(?P<unit>百万|万|亿|千)?$")


def parse_amount(value: Any) -> Parsed:
    """``¥1,200.50``, ``1.2万``, ``(300)``, ``-300元``, full-width digits; numbers pass through.

    A text whose reading is not certain is refused with the reason, never guessed:
    ``3e5`` (an exponent: no number cell is given so), ``12,5`` and ``1.200,50`` (a decimal
    comma?), ``1,2,3`` (commas not in groups of three), ``1.2.3``, ``--5`` or ``(-300)``.
    """
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return None, "not an amount (a yes/no value)"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None, "not a finite amount"
        return float(value), None
    if isinstance(value, (date, datetime)):
        return None, "a date where an amount was expected"
    if (err := excel_error(value)) is not None:
        return None, _error_problem(err)
    text = normalize_text(value)
    low = text.lower()
    if low in ("true", "false"):
        return None, "not an amount (a yes/no value)"
    if low.lstrip("+-") in ("inf", "infinity", "nan"):
        return None, "not a finite amount"
    neg = False
    if text.startswith("(") and text.endswith(")"):
        neg, text = True, text[1:-1].strip()
    text = _CURRENCY_AFTER.sub("", _CURRENCY_BEFORE.sub("", text))
    signs = _SIGNS.match(text).group(0)
    text = _CURRENCY_BEFORE.sub("", text[len(signs):])  # -¥300
    signs = signs.replace(" ", "")
    if len(signs) + neg > 1:
        return None, "ambiguous number (more than one sign)"
    m = _TEXT_UNIT.match(text)
    num = m.group("num")
    if not _NUMBER_FORMS.fullmatch(num):
        return None, _why_not_a_number(num)
    amount = float(num.replace(",", "").replace(" ", "")) * _UNITS[m.group("unit")]
    if not math.isfinite(amount):  # 400 digits
        return None, "not a finite amount"
    return (-amount if neg != (signs == "-") else amount), None


def _why_not_a_number(num: str) -> str:
    """Why a text of digits and separators was not taken as a number."""
    if not re.fullmatch(r"[\d., ]*\d[\d., ]*", num):
        if re.fullmatch(r"[\d.,]*\d[eE][-+]?\d+", num):
            return "ambiguous number (written with an exponent)"
        return "not an amount"
    last = num.rfind(",")
    if last >= 0:
        if "." in num[:last] or (num.count(",") == 1 and re.fullmatch(r"\d{1,2}", num[last + 1:])):
            return "ambiguous number (a decimal comma?)"
        if num.count(".") <= 1:
            return "ambiguous number (commas not in groups of three)"
    if num.count(".") > 1:
        return "ambiguous number (more than one decimal point)"
    if " " in num:
        return "ambiguous number (spaces inside the digits)"
    return "not an amount"


MAX_TERM_DAYS = 3650  # ten years: a longer term is a typing error, never a timedelta overflow


def parse_int_days(value: Any) -> Parsed:
    """Whole days: ``60``, ``60天``, ``60.0``; 0 to 3650."""
    if is_blank(value):
        return None, None
    if isinstance(value, str):
        value = re.sub(r"\s*(天|日|days?)$", "", normalize_text(value), flags=re.I)
    amount, problem = parse_amount(value)
    if problem:
        return None, problem if problem.startswith("ambiguous number") else "not a number of days"
    if amount < 0:
        return None, "negative number of days"
    days = round(amount)
    if days > MAX_TERM_DAYS:
        return None, "more than 3650 days"
    if not float(amount).is_integer():
        return days, f"not a whole number of days; rounded to {days}"
    return days, None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
# How the reader gives a date cell whose year has no four digits (a serial of -700000 or
# beyond 9999-12-31): '-0017-06-19 00:00:00', '+10000-01-01 00:00:00'.
_FAR_DATE = re.compile(r"^[-+]?\d{4,}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2}(?:\.\d+)?)?$")


def _in_range(day: date) -> Parsed:
    if FIRST_DAY <= day <= LAST_DAY:
        return day, None
    return None, "date outside 1900-01-01..2100-12-31"


def parse_date_1904(value: Any) -> Parsed:
    """parse_date for a workbook in the 1904 date system (old Mac Excel): serials count from 1904."""
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        value = float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and not (19000101 <= value <= 21001231 and float(value).is_integer()):
        if 0 <= value < 2957003:
            return _in_range(_EXCEL_EPOCH_1904 + timedelta(days=int(value)))
        return None, "a number that is not a date"
    return parse_date(value)


def parse_date(value: Any) -> Parsed:
    """Excel serials, date cells, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日``, ``20240305``."""
    if is_blank(value):
        return None, None
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, bool):
        return None, "not a date"
    if isinstance(value, (int, float)):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return parse_date(str(int(value)))
        if 1 <= value < 2958466:  # Excel's serial range (1900 date system); 73415 is 2100-12-31
            return _in_range(_EXCEL_EPOCH + timedelta(days=int(value)))
        return None, "a number that is not a date"
    if (err := excel_error(value)) is not None:
        return None, _error_problem(err)
    text = normalize_text(value)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None, "not a valid calendar date"
            return _in_range(day)
    if _FAR_DATE.match(text):
        return None, "date outside 1900-01-01..2100-12-31"
    if _NUMBER.match(text):  # a number cell read as text: an Excel serial
        return parse_date(float(text))
    return None, "not a date"


_YES = {"是", "有", "y", "yes", "true", "√", "✓", "✔", "1", "已签", "已签订", "已提供", "在档", "齐全", "t", "对"}
_NO = {"否", "无", "n", "no", "false", "×", "✗", "✘", "x", "0", "未签", "未签订", "未提供", "缺", "缺失", "f", "没有"}


def parse_yes_no(value: Any) -> Parsed:
    """是/否/有/无/Y/N/√/×/1/0 (and a few common variants)."""
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), None
    if (err := excel_error(value)) is not None:
        return None, _error_problem(err)
    text = normalize_text(value).lower()
    if text in _YES:
        return True, None
    if text in _NO:
        return False, None
    return None, "not a yes/no value"


_OPERATING = {"良好": "good", "正常": "good", "好": "good", "good": "good", "一般": "fair",
              "fair": "fair", "不良": "poor", "较差": "poor", "差": "poor", "亏损": "poor",
              "严重亏损": "poor", "poor": "poor"}
_TREND = {"增长": "growth", "上升": "growth", "growth": "growth", "平稳": "stable", "稳定": "stable",
          "持平": "stable", "stable": "stable", "下滑": "decline", "下降": "decline", "decline": "decline",
          "持续下滑": "sustained_decline", "持续下降": "sustained_decline",
          "sustained decline": "sustained_decline"}


def _category(mapping: dict[str, str], what: str) -> Callable[[Any], Parsed]:
    def parse(value: Any) -> Parsed:
        if is_blank(value):
            return None, None
        if (err := excel_error(value)) is not None:
            return None, _error_problem(err)
        key = normalize_text(value).lower()
        if key in mapping:
            return mapping[key], None
        return None, f"not a known {what} ({'/'.join(k for k in mapping if not k.isascii())})"
    return parse


parse_operating_status = _category(_OPERATING, "operating status")
parse_revenue_trend = _category(_TREND, "revenue trend")


def parse_credit_code(value: Any) -> Parsed:
    text, problem = parse_code(value)
    if text is None:
        return None, problem
    return text.replace(" ", "").upper(), problem  # the problem: invisible characters removed


_ASCII_CODE = r"[0-9A-Za-z_./()\-]+"  # codes the parsers would return unchanged
_ISO_DATETIME = "%Y-%m-%d %H:%M:%S"  # how the reader gives a date cell
_FIRST_SECOND, _LAST_SECOND = (int(np.datetime64(d, "s").astype("int64")) for d in (FIRST_DAY, LAST_DAY))


PARSE_BLOCK = 1_000_000  # rows parsed at a time: a column's working copies stay a block's size


def parse_column(values: pd.Series, parser: Callable[[Any], Parsed],
                 as_text: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column; returns (parsed values, problem text or None), on ``values``' index.

    Amounts come back as float64 (NaN when blank or rejected), dates as datetime64[s]
    (NaT), everything else as objects (None). Each cell's value depends on that cell alone, so a
    long column is parsed a block of rows at a time (a ledger of 5,000,000 rows does not hold
    five working copies of a column at once) and the blocks joined. ``as_text`` (a code or text
    parser): the values come back as Arrow text (missing: NA), not as Python objects: a ledger's
    millions of invoice numbers are one buffer, not millions of objects.
    """
    if len(values) <= PARSE_BLOCK:
        return _parse_block(values, parser, as_text)
    parts = [_parse_block(values.iloc[i:i + PARSE_BLOCK], parser, as_text)
             for i in range(0, len(values), PARSE_BLOCK)]
    out = pd.concat([p for p, _ in parts])
    problems = pd.concat([q for _, q in parts])
    out.index = problems.index = values.index  # the column's own index object, as one block gives
    return out, problems


def _parse_block(values: pd.Series, parser: Callable[[Any], Parsed],
                 as_text: bool = False) -> tuple[pd.Series, pd.Series]:
    kind = "float" if parser is parse_amount else "date" if parser in (parse_date, parse_date_1904) else "object"
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype(object).where(values.notna(), None).astype("str")
    done = values.isna().to_numpy().copy()
    problems = pd.Series(None, index=values.index, dtype=object)
    if kind == "float":
        # A number cell's text has no exponent (the reader writes 1e308 as its 309 digits and
        # 1e-7 as 0.0000001), so '3e5' is text someone typed: left to parse_amount, refused.
        out = pd.to_numeric(values.where(values.str.fullmatch(r"-?\d+(?:\.\d+)?")),
                            errors="coerce").astype("float64")
        out = out.where(np.isfinite(out.to_numpy()))
        done |= out.notna().to_numpy()
    elif kind == "date":
        out = pd.to_datetime(values, format=_ISO_DATETIME, errors="coerce").astype("datetime64[s]").dt.floor("D")
        # a date cell before 1900 or after 2100 (year -17 from a serial of -700000) is parse_date's to refuse
        seconds = np.asarray(out.to_numpy(), dtype="datetime64[s]").view("int64")  # NaT is the smallest int64: below the first date
        taken = (seconds >= _FIRST_SECOND) & (seconds <= _LAST_SECOND)
        if not taken.all():
            out = out.where(taken)
        done |= taken
    elif parser is parse_text:
        plain = values.notna() & ~values.str.startswith("#").fillna(False)
        out = _shared_objects(values.str.strip().where(plain))
        out[out.isna() | (out == "")] = None
        done |= plain.to_numpy()
    elif parser in (parse_code, parse_credit_code):
        plain = values.str.fullmatch(_ASCII_CODE).fillna(False).to_numpy(dtype=bool)
        text = values.where(plain)
        if parser is parse_credit_code:
            text = text.str.upper()
        out = text if as_text else _shared_objects(text)
        out[~plain] = None
        done |= plain
        odd = ~done
        if odd.any():  # plain once its invisible characters are removed: cleaned here too, and said so
            cleaned = values[odd].str.replace(_INVISIBLE.pattern, "", regex=True)
            fixed = (cleaned.str.fullmatch(_ASCII_CODE).fillna(False) & (cleaned != values[odd])).to_numpy(dtype=bool)
            if fixed.any():
                where = np.flatnonzero(odd)[fixed]
                cleaned = cleaned[fixed]
                out.iloc[where] = (cleaned.str.upper() if parser is parse_credit_code else cleaned).to_numpy(dtype=object)
                problems.iloc[where] = "invisible characters removed from the ID"
                done[where] = True
    else:
        out = pd.Series(None, index=values.index, dtype=object)
    rest = ~done
    if rest.any():
        parsed_rest, problems_rest = _by_distinct_values(values[rest], parser)
        if kind == "date":
            parsed_rest = pd.to_datetime(parsed_rest, errors="coerce").astype("datetime64[s]")
        elif kind == "float":
            parsed_rest = parsed_rest.astype("float64")
        out[rest] = parsed_rest
        problems[rest] = problems_rest
    if kind == "object":
        out = out.astype("str") if as_text else _objects(out)
    return out, _objects(problems)


def _shared_objects(s: pd.Series) -> pd.Series:
    """A text column as Python objects, one object for each distinct value (None when missing),
    on ``s``' index: a ledger's 5,000,000 customer IDs are 100,000 strings, not 5,000,000. An
    object column by its dtype (pandas would read strings back as Arrow text, a string a row)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = np.asarray(uniques, dtype=object)
    table[-1] = None  # the NA sentinel (-1) lands on the last slot
    return pd.Series(table[codes], index=s.index, dtype=object)


def _objects(s: pd.Series) -> pd.Series:
    """An object column with None (not NaN) for a missing value, as the record builders expect."""
    return pd.Series(np.where(s.notna().to_numpy(), s.to_numpy(dtype=object), None), index=s.index, dtype=object)


def _by_distinct_values(values: pd.Series, parser: Callable[[Any], Parsed]) -> tuple[pd.Series, pd.Series]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed_u = np.empty(len(uniques) + 1, dtype=object)
    problem_u = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        parsed_u[i], problem_u[i] = parser(u)
    parsed_u[-1], problem_u[-1] = None, None  # the NA sentinel (-1) lands on the last slot
    return (pd.Series(parsed_u[codes], index=values.index, dtype=object),
            pd.Series(problem_u[codes], index=values.index, dtype=object))
