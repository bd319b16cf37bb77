"""Entry point of both executables of the frozen app (one Analysis, one launcher):
CreditDesk(.exe), windowed: the window, or a subcommand when arguments are given;
credit-desk(.exe), a console program: the command line, its usage when given no arguments."""

import os
import sys

CONSOLE_PROGRAM = "credit-desk"  # the console executable's name (packaging/credit_desk.spec)

if sys.stdout is None or sys.stderr is None:
    # A windowed build on Windows has no console: print() must not fail there.
    sys.stdout = sys.stdout or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stderr = sys.stderr or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

from desktop.cli import console_main, main  # noqa: E402

if __name__ == "__main__":
    import multiprocessing

    # the window's engine process starts this executable again (CreditDesk's: sys.executable)
    multiprocessing.freeze_support()
    console = os.path.splitext(os.path.basename(sys.executable))[0].lower() == CONSOLE_PROGRAM
    sys.exit(console_main() if console else main())
