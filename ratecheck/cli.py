"""The ``ratecheck`` command line.

Each subsystem owns its commands in a module with ``register(subparsers)``; this file
only assembles them and turns :class:`~ratecheck.errors.RatecheckError` into a
one-line message with exit code 2 (DESIGN.md, output contracts).
"""

from __future__ import annotations

import argparse
import importlib
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ratecheck",
        description="Check theorems about asynchronous SGD against simulation.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except RatecheckError as exc:
        print(f"ratecheck: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ratecheck: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
