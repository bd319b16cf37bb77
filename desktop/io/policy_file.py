"""Load a policy file (TOML): parse, validate, and point each problem at its line.

Every problem is a ``PolicyProblem`` (a catalogue message, worded in either language); what a
library says about the file (the TOML reader's error, the system's reason a file cannot be
read) is kept as its technical detail for the log and the command line, never shown as the
message.

TOML is UTF-8, and so is every file the policy editor saves; Notepad's "UTF-8 with BOM" reads
too. A file Notepad saved as "ANSI" on a Chinese PC (code page 936, GBK) is read as GB18030 (which
holds all of GBK), with a warning in the log: the window and the command line say so once, and
the policy editor saves it as UTF-8. Its SHA-256 is of its bytes, as for any file. Bytes that are
neither are refused with the way to save the file as UTF-8 in Notepad."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import logging
import re
import stat
import tomllib
from pathlib import Path

from desktop.core.policy import Policy, PolicyProblem, build_policy, split_path
from desktop.errors import PolicyError
from desktop.messages import Message
from desktop.paths import default_policy_path

LOG = logging.getLogger("credit_desk.policy")
UTF8, ANSI = "utf-8", "gb18030"  # ANSI: what Notepad's "ANSI" is on a Chinese Windows (GBK, read as GB18030)
# Read as GB18030, these are not Chinese text: control characters, the private use area (GB18030's
# user-defined codes), and a character right between two Latin letters whose second byte is an
# ASCII one (a Western file's é in "Crédit" takes the "d" with it: "Cr閐it"; "A或B" in GBK is
# Chinese, both bytes of 或 above 0x7f).
_NOT_CHINESE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff\U000f0000-\U0010ffff]"
                               r"|(?<=[A-Za-z])(?P<between>[^\x00-\x7f])(?=[A-Za-z])")


def _not_chinese(m: re.Match) -> bool:
    if m["between"] is None:
        return True
    encoded = m["between"].encode(ANSI)
    return len(encoded) != 2 or encoded[1] < 0x80


def _refused(source: str, code: str, path: str = "(file)", line: int | None = None, detail: str = "") -> PolicyError:
    return PolicyError(source, [PolicyProblem(path, line, Message(code), None, detail)])


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and validate a policy file; the shipped default when ``path`` is None."""
    path = Path(path) if path is not None else default_policy_path()
    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # a pipe would wait for ever
            raise _refused(str(path), "policy.file.not_a_file")
        data = path.read_bytes()
    except OSError as exc:
        code = {errno.ENOENT: "policy.file.missing", errno.EACCES: "policy.file.no_permission",
                errno.EPERM: "policy.file.no_permission", errno.EISDIR: "policy.file.not_a_file"}.get(
            exc.errno or 0, "policy.file.unreadable")
        raise _refused(str(path), code, detail=str(exc.strerror or exc)) from exc
    return parse_policy(data, str(path))


def decode_policy(data: bytes, source: str) -> tuple[str, str]:
    """The text of a policy file's bytes and how it was read: UTF8 (with or without a BOM), or ANSI
    for Chinese text saved as "ANSI" (GBK), with a warning in the log; other bytes are refused
    (``policy.file.not_utf8``, naming ``source``)."""
    text, encoding = _decode(data, source)
    if encoding == ANSI:
        LOG.warning("the policy file %s is not UTF-8: read as GB18030 (Notepad's ANSI on a Chinese PC); TOML files "
                    "are UTF-8, the policy editor saves it so", source)
    return text, encoding


def _decode(data: bytes, source: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode(ANSI)
    except UnicodeDecodeError:
        raise _refused(source, "policy.file.not_utf8", detail="neither UTF-8 nor GB18030") from None
    found = next((m for m in _NOT_CHINESE_TEXT.finditer(text) if _not_chinese(m)), None)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise _refused(source, "policy.file.not_utf8", line=line,
                       detail=f"not UTF-8, and read as GB18030 it is not Chinese text (line {line})")
    return text, ANSI


def file_encoding(path: str | Path) -> str | None:
    """How the policy file ``path`` is read (UTF8 or ANSI), None when it cannot be (its problem is
    said when it is loaded)."""
    try:
        if not Path(path).is_file():  # a pipe would wait for ever
            return None
        return _decode(Path(path).read_bytes(), str(path))[1]
    except (OSError, PolicyError):
        return None


def parse_policy(data: bytes, source: str) -> Policy:
    """Validate policy bytes; ``source`` names the file in messages."""
    text, _encoding = decode_policy(data, source)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise _refused(source, "policy.file.syntax", "(syntax)", int(m.group(1)) if m else None, str(exc)) from None
    except ValueError:  # an integer too long for Python to read (over 4,300 digits)
        m = re.search(r"\d{1000,}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        raise _refused(source, "policy.file.huge_number", "(syntax)", line) from None
    except RecursionError:
        raise _refused(source, "policy.file.too_deep", "(syntax)") from None
    try:
        policy = build_policy(doc)
    except PolicyError as exc:
        raise PolicyError(source, with_lines(exc.issues, text)) from None
    return dataclasses.replace(policy, file_name=Path(source).name,
                               sha256=hashlib.sha256(data).hexdigest())


def with_lines(problems: list[PolicyProblem], text: str) -> list[PolicyProblem]:
    """The problems of a policy with the line of ``text`` (its TOML) each one is on."""
    return [dataclasses.replace(p, line=find_line(text, p.path)) for p in problems]


def find_line(text: str, key_path: str) -> int | None:
    """Best-effort 1-based line of ``key_path`` (``items.x.bands[2].range``) in TOML text."""
    parts: list[str | int] = split_path(key_path)
    lines = text.splitlines()
    headers = []  # (line index, dotted name, is array-of-tables)
    for n, line in enumerate(lines):
        m = re.match(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?", line)
        if m:
            headers.append((n, m.group(2), m.group(1) == "[["))
    # Longest prefix of the path that names a table header ([a.b] or the i-th [[a]]).
    start, end, rest = 0, len(lines), parts
    for cut in range(len(parts), 0, -1):
        prefix = parts[:cut]
        if isinstance(prefix[-1], int):
            name = ".".join(str(p) for p in prefix[:-1])
            arr = [h for h in headers if h[1] == name and h[2]]
            if prefix[-1] < len(arr):
                hit = arr[prefix[-1]]
            else:
                continue
        else:
            name = ".".join(str(p) for p in prefix)
            hit = next((h for h in headers if h[1] == name and not h[2]), None)
            if hit is None:
                continue
        start = hit[0]
        end = next((h[0] for h in headers if h[0] > start), len(lines))
        rest = parts[cut:]
        if not rest:
            return start + 1
        break
    # Inside the section: the first key, then the n-th inline table of an array.
    key = rest[0]
    if isinstance(key, int):
        return start + 1
    for n in range(start, end):
        if re.match(rf"\s*{re.escape(str(key))}\s*=", lines[n]):
            if len(rest) > 1 and isinstance(rest[1], int):
                seen = -1
                for k in range(n, end):
                    seen += lines[k].count("{") if k > n or "[" in lines[n] else 0
                    if seen >= rest[1]:
                        return k + 1
            return n + 1
    if not start:  # a table written only through its sub-tables ([items.x]) or as [[levels]]
        full = ".".join(str(p) for p in parts)
        sub = next((h[0] for h in headers if h[1] == full or h[1].startswith(full + ".")), None)
        if sub is not None:
            return sub + 1
    return start + 1 if start else None
