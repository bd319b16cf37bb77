"""Draw the application icon (packaging/credit_desk.ico and .png) with Qt.

    python packaging/make_icon.py
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter  # noqa: E402


def draw(size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#1F4E78"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(0, 0, size, size), size * 0.18, size * 0.18)
    p.setBrush(QColor("#4CA64C"))
    p.drawRect(QRectF(size * 0.12, size * 0.74, size * 0.76, size * 0.1))
    font = QFont(["Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Zen Hei"])
    font.setPixelSize(int(size * 0.56))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("#FFFFFF"))
    p.drawText(QRectF(0, -size * 0.06, size, size * 0.86), Qt.AlignmentFlag.AlignCenter, "信")
    p.end()
    return img


if __name__ == "__main__":
    app = QGuiApplication(sys.argv[:1])
    here = Path(__file__).resolve().parent
    draw(256).save(str(here / "credit_desk.png"))
    draw(256).save(str(here / "credit_desk.ico"))
    print(here / "credit_desk.ico")
