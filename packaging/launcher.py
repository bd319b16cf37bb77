"""Entry point of the frozen app: the window, or a subcommand when arguments are given."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
