"""`make verify`: rebuild from a clean copy and compare with the working build.

A reviewer's check that the published tables and the report follow from the published
inputs: the project's files (everything git tracks or would track, without build outputs)
are copied to a temporary folder, the data, notebooks and report are rebuilt there with
the same environment, and the SHA-256 of every processed table and of the report is
compared with the working build. Builds are deterministic, so they must agree.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import config

#: What is compared: the published tables and the rendered report.
COMPARED = ("data/processed", "reports/output")


def project_files(root: Path) -> list[str]:
    """Files a clean clone would have, plus new files not yet committed (never ignored ones)."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    return sorted(f for f in out.split("\0") if f and (root / f).is_file())


def checksums(root: Path) -> dict[str, str]:
    sums = {}
    for folder in COMPARED:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file():
                sums[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def rebuild(root: Path, workdir: Path) -> Path:
    copy = workdir / "project"
    for rel in project_files(root):
        dest = copy / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest)
    # The history too, so the report's stamp names the same commit and working-tree state.
    if (root / ".git").is_dir():
        shutil.copytree(root / ".git", copy / ".git", symlinks=True)
    elif (root / ".git").is_file():
        # A linked worktree: .git is a pointer into the main repository, which a copy cannot
        # share. Fetch the commit checked out and point the copy's index at it, keeping the
        # copied files (and any uncommitted change) as its working tree.
        for args in (["init", "--quiet"], ["fetch", "--quiet", str(root), "HEAD"], ["reset", "--quiet", "FETCH_HEAD"]):
            subprocess.run(["git", "-C", str(copy), *args], check=True, capture_output=True)
    venv = Path(sys.prefix)
    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"  # the copy's `git status` must not rewrite an index it may share
    # The copy's own code, not the working tree's editable install.
    env["PYTHONPATH"] = str(copy / "src") + os.pathsep + env.get("PYTHONPATH", "")
    for var in ("COERCION_ROOT", "COERCION_DATA_DIR", "COERCION_RAW_DIR", "COERCION_REFERENCE_DIR",
                "COERCION_PROCESSED_DIR", "COERCION_BUILD_DIR", "COERCION_REPORT_DIR"):
        env.pop(var, None)
    env["COERCION_SOURCES_DIR"] = str(config.SOURCES_DIR)
    # The environment running this is the one the copy uses, as it is: make in the copy
    # never installs into it (an editable install from the copy would point it at a
    # folder deleted afterwards), so its stamp is one of the copy's own.
    stamp = workdir / "environment-in-use"
    stamp.touch()
    make = ["make", "--no-print-directory", "report", f"VENV={venv}", f"ENV_STAMP={stamp}"]
    subprocess.run(make, cwd=copy, env=env, check=True)
    # The edition without claims of parties to the conflict, when the working build has it.
    if any(root.glob(f"{COMPARED[1]}/report-without-claims.*")):
        subprocess.run([*make, "EXCLUDE_PARTY_CLAIMS=1"], cwd=copy, env=env, check=True)
    return copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary rebuild for inspection")
    args = parser.parse_args(argv)
    root = config.PROJECT_ROOT
    mine = checksums(root)
    if not mine:
        print("verify: no working build to compare; run `make report` first", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="coercion-verify-"))
    try:
        print(f"verify: rebuilding from a clean copy in {workdir}")
        theirs = checksums(rebuild(root, workdir))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    differ = sorted(f for f in set(mine) | set(theirs) if mine.get(f) != theirs.get(f))
    for f in differ:
        print(f"verify: DIFFERS {f}: working {mine.get(f, 'missing')[:16]} clean {theirs.get(f, 'missing')[:16]}")
    if differ:
        print(f"verify: {len(differ)} of {len(set(mine) | set(theirs))} files differ")
        return 1
    print(f"verify: all {len(mine)} files identical ({', '.join(COMPARED)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
