"""``python -m desktop``: the window with no arguments, the command line with them."""

import sys

from desktop.cli import main

sys.exit(main())
