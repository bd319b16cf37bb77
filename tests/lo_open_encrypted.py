"""Run with LibreOffice's Python (it has the ``uno`` bridge): open an encrypted workbook in a
headless LibreOffice with each password given; print one line per password.

    /usr/bin/python3 lo_open_encrypted.py WORKBOOK PROFILE_DIR PASSWORD...
"""

import subprocess
import sys
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue

book, profile, passwords = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
port = 2000 + (abs(hash(str(profile))) % 5000)
office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                           f"--accept=socket,host=localhost,port={port};urp;"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    ctx = None
    for _ in range(90):
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            ctx = resolver.resolve(f"uno:socket,host=localhost,port={port};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    for pw in passwords:
        hidden, password = PropertyValue(), PropertyValue()
        hidden.Name, hidden.Value, password.Name, password.Value = "Hidden", True, "Password", pw
        try:
            doc = desktop.loadComponentFromURL(book.as_uri(), "_blank", 0, (hidden, password))
        except Exception:
            doc = None
        if doc is None:
            print(f"{pw}: not opened")
            continue
        print(f"{pw}: opened {doc.Sheets.getByIndex(1).Name} {doc.Sheets.getByIndex(1).getCellByPosition(0, 1).String}")
        doc.close(True)
finally:
    office.terminate()
