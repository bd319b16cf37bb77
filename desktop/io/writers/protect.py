"""Confidentiality of exported workbooks: a locked structure, and encryption with a password.

Both work on a finished .xlsx (the temporary file, before it replaces the target):
``lock_structure`` adds Excel's "Protect Workbook" (structure) with a SHA-512 password
hash, so sheets cannot be added, deleted, renamed or unhidden (the hidden fact sheets stay
hidden) without the password; ``encrypt`` wraps the workbook in Office's standard agile
encryption (AES-256, the same as Excel's File > Info > Encrypt with Password), which Excel
and LibreOffice open with the password.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

SPIN_COUNT = 100_000


def password_hash(password: str, salt: bytes, spin_count: int = SPIN_COUNT) -> str:
    """ECMA-376 password hash: SHA-512 over salt + UTF-16LE password, re-hashed ``spin_count`` times."""
    h = hashlib.sha512(salt + password.encode("utf-16-le")).digest()
    for i in range(spin_count):
        h = hashlib.sha512(h + i.to_bytes(4, "little")).digest()
    return base64.b64encode(h).decode("ascii")


def lock_structure(path: Path, password: str) -> None:
    """Protect the workbook's structure with ``password`` (rewrites ``path``)."""
    salt = os.urandom(16)
    element = (f'<workbookProtection workbookAlgorithmName="SHA-512" '
               f'workbookHashValue="{password_hash(password, salt)}" '
               f'workbookSaltValue="{base64.b64encode(salt).decode("ascii")}" '
               f'workbookSpinCount="{SPIN_COUNT}" lockStructure="1"/>')
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                # schema order: workbookPr, then workbookProtection, then bookViews
                text, n = re.subn(r"(<bookViews\b)", element + r"\1", text, count=1)
                if n != 1:
                    raise ValueError("workbook.xml has no <bookViews> element")
                data = text.encode("utf-8")
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())


def encrypt(path: Path, password: str) -> None:
    """Encrypt ``path`` in place with ``password`` (the plain bytes never reach another file)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    OOXMLFile(plain).encrypt(password, out)
    path.write_bytes(out.getvalue())
