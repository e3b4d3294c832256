"""The ``ratecheck`` command line.

Each subsystem owns its commands in a module with ``register(subparsers)``; this file
only assembles them and turns :class:`~ratecheck.errors.RatecheckError` — and any OS
error or failed allocation that reaches it — into a one-line message with exit code 2
(DESIGN.md, output contracts). SIGTERM is handled as Ctrl-C (exit code 130; a check
then writes a partial report); a closed standard output (``ratecheck … | head -1``)
ends the command quietly with exit code 141 (128 + SIGPIPE, as a killed pipe writer).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from .errors import RatecheckError

#: Modules that contribute subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "ratecheck.check",
    "ratecheck.theory.commands",
    "ratecheck.problems.commands",
    "ratecheck.pep.commands",
    "ratecheck.falsify.commands",
)


class Parser(argparse.ArgumentParser):
    """argparse with the one-line errors of every other bad input (exit code 2); the
    subcommands' parsers are of this class too (argparse makes them with the parent's)."""

    def error(self, message: str):
        self.exit(2, f"ratecheck: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ratecheck",
        description="Check theorems about asynchronous SGD against simulation.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def _quiet_broken_pipe() -> int:
    """Point stdout at /dev/null (so the interpreter's last flush cannot fail) and say nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        args = build_parser().parse_args(argv)  # imports every command: seconds, Ctrl-C may come
        code = args.func(args)
        sys.stdout.flush()
    except RatecheckError as exc:  # one line, even if a quoted input held line breaks
        print(f"ratecheck: error: {exc}".replace("\r", "\\r").replace("\n", "\\n"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ratecheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except OSError as exc:  # a full disk, a file vanished: still one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ratecheck: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("ratecheck: error: out of memory (the inputs need more memory than this machine has)", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
