"""A check's report folder read back: ``ratecheck report DIR``, ``ratecheck export DIR``,
:func:`ratecheck.load`.

``ratecheck check`` leaves in its report folder the record ``check.json`` (the spec, with
its card folders made absolute, and the results store it used;
:meth:`~ratecheck.results.CheckResult.report`). :func:`load` plans the spec again —
cards evaluated, nothing simulated — and takes every planned run from the store, so the
verdicts are the ones the check gave (:func:`ratecheck.check.conclude`; runs missing
from the store make it partial, as an interrupted check). ``report`` writes the report
again from them (the same ``verdicts.json``), ``export`` writes the tidy tables of
:mod:`ratecheck.results` (``runs``, ``hits``, ``curves``, ``verdicts``) as CSV or
Parquet files.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import SpecError
from .files import read_text

FORMATS = ("csv", "parquet")


def load(folder, field: str = "DIR"):
    """The :class:`~ratecheck.results.CheckResult` stored in report folder ``folder``."""
    from .check import choose, chosen_tasks, conclude, plugins_of, prepare
    from .results import RECORD
    from .spec import parse_spec
    from .sweep.store import ResultStore

    folder = Path(folder)
    path = folder / RECORD
    if not path.is_file():
        raise SpecError(field, f"{folder} holds no stored check ({RECORD} is missing: write it with ratecheck check --out)")
    try:
        record = json.loads(read_text(path))
        table, store_path = record["spec"], record["store"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SpecError(str(path), f"not a check record ({exc})") from None
    if store_path is None:
        raise SpecError(field, f"the check in {folder} ran without a results store (--no-cache): nothing to read back")
    if not Path(store_path).is_file():
        raise SpecError(field, f"the check's results store {store_path} does not exist")
    spec = parse_spec(table, str(path))
    store = ResultStore(store_path)
    with plugins_of(spec):
        prep = prepare(spec)
        results = {t.key: r for t in prep.tasks if (r := store.get(t.key)) is not None}
        tuned = choose(prep, results)
        results |= {t.key: r for t in chosen_tasks(tuned) if (r := store.get(t.key)) is not None}
        failed = sum(r.status == "error" for r in results.values())
        summary = {"simulated": 0, "computed": 0, "reused": len(results), "failed": failed}
        return conclude(prep, results, False, summary, store, tuned)


def register(sub) -> None:
    p = sub.add_parser("report", help="write a check's report again from its stored runs (nothing simulated)")
    p.add_argument("dir", type=Path, help="report folder of a check (ratecheck check --out DIR)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("export", help="a check's runs, hits, curves and verdicts as CSV or Parquet tables")
    p.add_argument("dir", type=Path, help="report folder of a check (ratecheck check --out DIR)")
    p.add_argument("--format", choices=FORMATS, default="csv", help="file format (default csv)")
    p.add_argument("--to", type=Path, default=None, metavar="FOLDER", help="where to write (default DIR/tables)")
    p.set_defaults(func=cmd_export)


def cmd_report(args) -> int:
    result = load(args.dir)
    result.report(args.dir)
    for v in result.verdict_list:
        print(f"[{v['status']:>14}] {v['claim']}: {v.get('reason', '')}")
    print(f"report: {args.dir / 'report.html'}")
    return 0


def cmd_export(args) -> int:
    from .files import output_folder

    result = load(args.dir)
    out = output_folder(args.to or args.dir / "tables", "--to")
    for name, frame in result.tables().items():
        path = out / f"{name}.{args.format}"
        if args.format == "csv":
            frame.to_csv(path, index=False)
        else:
            _flat(frame).to_parquet(path, index=False)
        print(f"{path} ({len(frame)} rows)")
    return 0


def _flat(frame):
    """``frame`` with nested cells (a verdict's points, intervals, violations) as JSON
    text: Parquet columns have one type."""
    from .report.jsonout import json_safe

    out = frame.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, (dict, list, tuple))).any():
            out[col] = out[col].map(lambda v: json.dumps(json_safe(v), sort_keys=True) if v is not None else None)
    return out
