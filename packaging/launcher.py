"""Entry point of the frozen app: the window, or a subcommand when arguments are given."""

import os
import sys

if sys.stdout is None or sys.stderr is None:
    # A windowed build on Windows has no console: print() must not fail there.
    sys.stdout = sys.stdout or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stderr = sys.stderr or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

from desktop.cli import main  # noqa: E402

if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # the window's engine process starts this executable again
    sys.exit(main())
