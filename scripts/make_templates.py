"""Write the blank import workbooks shipped in templates/imports/.

    python scripts/make_templates.py [FOLDER]
"""

import sys
from pathlib import Path

from desktop.io.writers.import_templates import write_all

if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "templates" / "imports"
    for p in write_all(folder):
        print(p)
