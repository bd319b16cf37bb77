"""``python -m desktop``: the command line (the window arrives with the desktop issue)."""

import sys

from desktop.cli import main

sys.exit(main())
