"""``make data`` on the command line: ``python -m analysis.build [--check]``.

Checks and normalises ``data/raw/`` and publishes the tables in ``data/processed/``
(the cleaning step itself is the package ``analysis.clean``). Every problem found is
printed together, each naming the file and line, the record, the field, the value and
what is accepted; nothing is written unless the whole build succeeds. On success it
prints the accounting: records in = incidents out + merged + rejected.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import config
from .clean import AccountingError, Build, current_date, run, write_outputs
from .problems import BuildError, rel

__all__ = ["AccountingError", "Build", "BuildError", "current_date", "main", "run", "write_outputs"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.build", description="Check and normalise data/raw and publish the tables in data/processed.")
    parser.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="coders' inputs (default: %(default)s)")
    parser.add_argument("--sources-dir", type=Path, default=config.SOURCES_DIR,
                        help="archive of captured source texts (default: %(default)s; env COERCION_SOURCES_DIR)")
    parser.add_argument("--reference-dir", type=Path, default=config.REFERENCE_DIR, help="reference data (default: %(default)s)")
    parser.add_argument("--processed-dir", type=Path, default=config.PROCESSED_DIR, help="where to publish (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="check the inputs and build in memory; write nothing (the coder's loop: about a second)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    try:
        build = run(args.raw_dir, args.sources_dir, args.reference_dir, None if args.check else args.processed_dir,
                    validate=not args.check)
    except BuildError as e:
        print(e.report(), file=sys.stderr)
        return 1
    inc = build.tables["incidents"]
    kinds = inc["event_kind"].value_counts().to_dict()
    print(
        f"records: {build.n_records} in = {build.n_incidents} incidents out "
        f"({kinds.get('incident', 0)} incidents, {kinds.get('practice', 0)} practices, {kinds.get('context', 0)} context figures; "
        f"{build.n_merged} records merged into others) + {build.n_rejected} rejected"
    )
    where = "checked, nothing written" if args.check else f"written to {rel(args.processed_dir, config.PROJECT_ROOT)}"
    print(f"data: {where} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
