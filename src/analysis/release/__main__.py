"""Command line of the releases.

    python -m analysis.release diff A B            change log from A to B (versions, or HEAD)
    python -m analysis.release current             the release the current build is, as the report shows it
    python -m analysis.release check VERSION [--changes]
    python -m analysis.release publish VERSION --report-dir DIR

`check` and `publish` are the steps of `make release VERSION=X.Y.Z`, which also builds
the data, the notebooks and the report between them; use that.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import config
from .changelog import render
from .changes import compare
from .errors import ReleaseError
from .info import current_release
from .publish import Paths, preflight, publish
from .snapshot import open_snapshot


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis.release", description="Versioned releases of the dataset.")
    sub = parser.add_subparsers(dest="command", required=True)
    diff = sub.add_parser("diff", help="print the change log from release A to release B (or HEAD, the current build)")
    diff.add_argument("old", metavar="A")
    diff.add_argument("new", metavar="B")
    sub.add_parser("current", help="print the release the current build is, and its data cut-off")
    check = sub.add_parser("check", help="refuse a version or working tree that cannot be released")
    check.add_argument("version")
    check.add_argument("--changes", action="store_true", help="also check the version step against the built data's changes")
    pub = sub.add_parser("publish", help="write releases/VERSION/ from the built data and the rendered report")
    pub.add_argument("version")
    pub.add_argument("--report-dir", type=Path, required=True, help="folder holding the release's report.html and report.pdf")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "diff":
            sys.stdout.write(render(compare(open_snapshot(args.old), open_snapshot(args.new))))
        elif args.command == "current":
            for key, value in current_release().variables().items():
                print(f"{key}: {value}")
        elif args.command == "check":
            print(preflight(args.version, Paths(), changes=args.changes))
        else:
            dest = publish(args.version, args.report_dir, Paths())
            shown = dest.relative_to(config.PROJECT_ROOT) if dest.is_relative_to(config.PROJECT_ROOT) else dest
            print(f"release: wrote {shown}; commit it with the updated CITATION.cff: git add {shown} CITATION.cff")
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
