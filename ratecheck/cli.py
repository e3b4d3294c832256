"""The ``ratecheck`` command line.

Each subsystem owns its commands in a module with ``register(subparsers)``; this file
only assembles them and turns :class:`~ratecheck.errors.RatecheckError` — and any OS
error or failed allocation that reaches it — into a one-line message with exit code 2
(DESIGN.md, output contracts). SIGTERM is handled as Ctrl-C (exit code 130; a check
then writes a partial report); a closed standard output (``ratecheck … | head -1``)
ends the command quietly with exit code 141 (128 + SIGPIPE, as a killed pipe writer).

Only the module of the command being run is imported (:data:`COMMANDS` names each
module's commands and their one-line help, so ``ratecheck --help`` lists them all
without importing any): a command never pays for another's imports (cvxpy for ``pep``,
numba for ``falsify``, matplotlib for reports).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import signal
import sys
from typing import Callable, NoReturn

from . import __version__
from .errors import RatecheckError, SpecError

#: Modules that contribute subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "ratecheck.check",
    "ratecheck.stored",
    "ratecheck.theory.commands",
    "ratecheck.problems.commands",
    "ratecheck.asynchrony.commands",
    "ratecheck.pep.commands",
    "ratecheck.falsify.commands",
)

#: The commands each module's ``register`` adds, in its order, with their ``help``: what
#: ``ratecheck --help`` shows without importing the module. A module of
#: :data:`COMMAND_MODULES` missing here is imported for every command;
#: tests/test_cli_imports.py checks this table against ``register``.
COMMANDS: dict[str, dict[str, str]] = {
    "ratecheck.check": {
        "check": "run a check specification and write its report",
    },
    "ratecheck.stored": {
        "report": "write a check's report again from its stored runs (nothing simulated)",
        "export": "a check's runs, hits, curves and verdicts as CSV or Parquet tables",
    },
    "ratecheck.theory.commands": {
        "theorems": "list the theorem cards with their provenance",
        "show": "a card: assumptions, formulas (text and LaTeX), derivation status",
        "bound": "evaluate a card's parameters and bounds",
        "compare": "several cards side by side on the same inputs",
        "explain": "a card in plain words, evaluated and run on a small instance",
        "optimal": "optimal value of a card parameter (symbolic and numeric)",
    },
    "ratecheck.problems.commands": {
        "problems": "list problem families and the provenance of their constants",
    },
    "ratecheck.asynchrony.commands": {
        "models": "list asynchrony models and their parameters",
    },
    "ratecheck.pep.commands": {
        "pep": "worst cases of delayed gradient descent by performance estimation (SDP)",
    },
    "ratecheck.falsify.commands": {
        "falsify": "search a card's assumptions for the instance with the largest observed/bound",
    },
}


#: reStructuredText inline markup of docstrings: ``literal``, :role:`target` (``~`` keeps the last name).
_RST = re.compile(r"``(.+?)``|:[a-z]+:`(~?)([^`]+?)`", re.S)


def plain(text: str) -> str:
    """``text`` without reStructuredText inline markup (help text is read in a terminal)."""
    return _RST.sub(lambda m: m[1] if m[1] is not None else m[3].rpartition(".")[2] if m[2] else m[3], text)


class Parser(argparse.ArgumentParser):
    """argparse with the one-line errors of every other bad input (exit code 2) and help
    text without docstring markup; the subcommands' parsers are of this class too
    (argparse makes them with the parent's)."""

    def error(self, message: str):
        self.exit(2, f"ratecheck: error: {message} (see {self.prog} --help)\n")

    def format_help(self) -> str:
        return plain(super().format_help())


def add_set_option(p, help: str) -> None:
    """``--set NAME=VALUE [NAME=VALUE ...]``, repeatable: every command's ``--set`` alike."""
    p.add_argument("--set", nargs="+", action="extend", default=[], metavar="NAME=VALUE", help=help)


def json_value(name: str, text: str):
    """A ``--set`` value as JSON (numbers, lists, true/false), else the bare string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_sets(items, value: Callable[[str, str], object] = json_value) -> dict:
    """``{NAME: value(NAME, VALUE)}`` of ``--set`` items; a malformed item is a
    :class:`~ratecheck.errors.SpecError` naming ``--set``, an empty value one naming NAME."""
    out = {}
    for item in items or []:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise SpecError("--set", f"expected NAME=VALUE, got {item!r}")
        if not text.strip():
            raise SpecError(name, "missing value in --set")
        out[name] = value(name, text.strip())
    return out


def build_parser(argv: list[str] | None = None, everything: bool = False) -> argparse.ArgumentParser:
    """The command-line parser for ``argv``: the real subparsers of the module that owns
    the command ``argv`` names, a listing entry (name and help) for every other command.

    ``argv`` defaults to ``sys.argv[1:]`` (as for ``parse_args``); ``everything``
    imports and registers every module.
    """
    parser = Parser(
        prog="ratecheck",
        description="Check theorems about asynchronous SGD against simulation.",
    )
    parser.add_argument("--version", action="version", version=f"ratecheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    command = _command(sys.argv[1:] if argv is None else argv) if not everything else None
    for name in COMMAND_MODULES:
        listed = COMMANDS.get(name)
        if everything or listed is None or command in listed:
            importlib.import_module(name).register(sub)
        else:
            for cmd, text in listed.items():
                sub.add_parser(cmd, help=text, add_help=False)
    return parser


def _command(argv: list[str]) -> str | None:
    """The command ``argv`` names: its first argument that is not an option (the top-level
    parser has no option that takes a value)."""
    for arg in argv:
        if arg != "--" and not arg.startswith("-"):
            return arg
    return None


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
        args = build_parser(argv).parse_args(argv)  # imports the command's module: Ctrl-C may come
        if not hasattr(args, "func"):  # a listing entry was chosen (argv we could not read ahead)
            args = build_parser(argv, everything=True).parse_args(argv)
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


def run(argv: list[str] | None = None) -> NoReturn:
    """The console entry: :func:`main`, then exit with its code. Once the command has
    returned, its work is done and stored, so a Ctrl-C or SIGTERM while the interpreter
    tears down (threads, exit hooks, modules) is ignored rather than turning the exit
    code into "killed by a signal". Python resets the handlers it installed to the
    default action before the end of its teardown, but leaves an ignored signal ignored,
    so ignoring is the one way to cover the whole teardown (SIGKILL still stops it)."""
    code = main(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    run()
