"""``python -m desktop``: the window with no arguments, the command line with them."""

import sys

from desktop.cli import main

if __name__ == "__main__":  # not when the engine process (spawned) imports this module again
    sys.exit(main())
