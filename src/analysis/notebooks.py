"""Execute the notebooks with papermill into the build folder (the engine of `make notebooks`).

``python -m analysis.notebooks`` runs every notebook in notebooks/ with its defaults into
``build/notebooks/<name>.ipynb``, and region_profile.ipynb once for every region that has
incidents into ``build/notebooks/regions/<REGION-CODE>.ipynb``, one more at a time than
the machine has cores (a kernel spends part of its start waiting, which the extra one
fills), with a progress bar.

Without the claims of parties to the conflict: ``--exclude-party-claims`` (or the
environment variable ``EXCLUDE_PARTY_CLAIMS=1``) passes ``exclude_party_claims=True`` to
every notebook and writes the executed notebooks to ``build/notebooks-without-claims/``
instead, with its own region profiles (only regions that still have incidents) and its
own stamps, so both variants coexist and each is rebuilt only when its inputs change.
`make notebooks EXCLUDE_PARTY_CLAIMS=1` runs it. For the report, `make report
EXCLUDE_PARTY_CLAIMS=1` is meant to depend on that variant's stamp
(``build/notebooks-without-claims/.executed``), embed from that folder (the same labels;
``notebook_dir(True)`` names it) and write its outputs under names of their own (e.g.
``reports/output/report-without-claims.html``), so it never overwrites the full report.

Alt text: a figure cell's output carries, in its metadata (``figures.OUTPUT_KEY``), the
alt text written from the data and the phone-sized PNG. After execution the runner writes
that alt text into the cell's ``#| fig-alt:`` option, where Quarto's ``embed`` and the
built-in renderer read it.

A notebook is executed only when its inputs changed: the hash of the notebook file, its
parameters, the processed tables, the boundary files and the package's source is kept in
``build/notebooks/stamps.json``, and an output whose recorded hash still matches is up to
date. Region notebooks of regions that no longer have incidents are removed. Executed
notebooks are stripped of papermill's timings, so the same inputs give the same bytes.

``python -m analysis.notebooks --lab-kernel`` registers the project's kernel for `make lab`;
``python -m analysis.notebooks --lab [-- JUPYTER ARGS]`` registers it and starts JupyterLab
on notebooks/, with ``--allow-root`` when run as root (containers, CI images), where
Jupyter otherwise refuses to start.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from analysis import config
from analysis.reference import Reference

#: The notebook run once per region with incidents.
REGION_NOTEBOOK = "region_profile"
#: Papermill's kernel: inside the venv 'python3' is the venv's own ipykernel.
KERNEL = "python3"
STAMPS_FILE = "stamps.json"
#: Notebooks executed at once: a run is short (about 2 s, most of it starting a kernel),
#: and a kernel waiting to start leaves its core idle, so one more than the cores keeps
#: every core busy (on 2 cores: 1.8 cores busy on average instead of 1.6, and 4% faster).
WORKERS = (os.cpu_count() or 1) + 1
#: Timing fields papermill and nbclient write; dropped so reruns are byte-identical.
_TIMING_KEYS = ("start_time", "end_time", "duration")
#: Folders of build/ the two variants are executed into.
NOTEBOOK_DIRS = {False: "notebooks", True: "notebooks-without-claims"}
#: The environment variable that selects the variant without claims when no option does.
EXCLUDE_ENV = "EXCLUDE_PARTY_CLAIMS"
_CELL_OPTION = re.compile(r"^#\|\s*([\w-]+):")


@dataclass(frozen=True)
class Job:
    """One papermill execution: an input notebook, its output and its parameters."""

    name: str  # output path relative to the build folder, e.g. 'regions/RU-CE.ipynb'
    input: Path
    output: Path
    parameters: dict = field(default_factory=dict)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def shared_inputs_hash(processed_dir: Path) -> str:
    """Hash of what every notebook reads: processed tables, boundary files, the package's source."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    reference = Reference()
    files = sorted(processed_dir.glob("*.parquet")) + [reference.boundaries_path, reference.countries_path]
    files += sorted(package.rglob("*.py"))
    for path in files:
        if path.exists():
            h.update(f"{path.name}:{_sha256(path)}\n".encode())
    return h.hexdigest()


def job_hash(job: Job, shared: str) -> str:
    h = hashlib.sha256()
    h.update(_sha256(job.input).encode())
    h.update(json.dumps(job.parameters, sort_keys=True).encode())
    h.update(shared.encode())
    return h.hexdigest()


def notebook_dir(exclude_party_claims: bool = False, build_dir: Path | None = None) -> Path:
    """Where the executed notebooks of a variant go: build/notebooks or build/notebooks-without-claims."""
    return Path(build_dir or config.BUILD_DIR) / NOTEBOOK_DIRS[bool(exclude_party_claims)]


def env_exclude_party_claims(environ: dict | None = None) -> bool:
    """EXCLUDE_PARTY_CLAIMS from the environment: 1/true/yes or 0/false/no/empty; anything else is an error."""
    value = (os.environ if environ is None else environ).get(EXCLUDE_ENV, "").strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("", "0", "false", "no"):
        return False
    raise ValueError(f"{EXCLUDE_ENV}={value!r}; accepted: 1, true, yes (exclude) or 0, false, no, empty (include)")


def plan(processed_dir: Path | None = None, notebooks_dir: Path | None = None, build_dir: Path | None = None,
         exclude_party_claims: bool = False) -> list[Job]:
    """Every notebook with its defaults, plus the region profile once per region with incidents."""
    from analysis import aggregate, load

    notebooks_dir = Path(notebooks_dir or config.NOTEBOOKS_DIR)
    out_dir = notebook_dir(exclude_party_claims, build_dir)
    extra = {"processed_dir": str(Path(processed_dir).resolve())} if processed_dir else {}
    if exclude_party_claims:
        extra["exclude_party_claims"] = True
    jobs = []
    for nb in sorted(notebooks_dir.glob("*.ipynb")):
        jobs.append(Job(nb.name, nb, out_dir / nb.name, dict(extra)))
    region_nb = notebooks_dir / f"{REGION_NOTEBOOK}.ipynb"
    if region_nb.exists():
        events = load.analysis_tables(processed_dir, exclude_party_claims=exclude_party_claims)["incidents"]
        for code in aggregate.regions_with_incidents(events):
            jobs.append(Job(f"regions/{code}.ipynb", region_nb, out_dir / "regions" / f"{code}.ipynb", {"region_code": code, **extra}))
    return jobs


def figure_alt_text(cell) -> str | None:
    """The alt text a figure cell's output carries in its metadata (see module docstring), or None."""
    from analysis.figures.style import OUTPUT_KEY

    for out in cell.get("outputs", []):
        alt = out.get("metadata", {}).get(OUTPUT_KEY, {}).get("alt")
        if alt:
            return str(alt)
    return None


def with_alt_option(source: str, alt: str) -> str:
    """``source`` with its ``#| fig-alt:`` option set to ``alt`` (added after the other options)."""
    lines = source.split("\n")
    n_options = next((i for i, line in enumerate(lines) if not _CELL_OPTION.match(line)), len(lines))
    # JSON's string syntax is YAML's double-quoted scalar: quotes and backslashes stay safe.
    option = f"#| fig-alt: {json.dumps(alt, ensure_ascii=False)}"
    kept = [line for line in lines[:n_options] if _CELL_OPTION.match(line).group(1) != "fig-alt"]
    return "\n".join([*kept, option, *lines[n_options:]])


def normalise(path: Path) -> None:
    """Drop timings and execution timestamps from an executed notebook, and write each
    figure's alt text into its cell's options, in place."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        alt = figure_alt_text(cell) if cell.cell_type == "code" else None
        if alt and _CELL_OPTION.match(cell.source):
            cell.source = with_alt_option(cell.source, alt)
    for key in _TIMING_KEYS:
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        pm = cell.metadata.get("papermill", {})
        for key in _TIMING_KEYS:
            pm.pop(key, None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
    nbformat.write(nb, path)


@functools.cache
def _kernel_manager_class():
    """The kernel manager papermill starts kernels with: on POSIX, one that talks to its
    kernel over Unix sockets named after the kernel's own connection file.

    Over TCP, jupyter_client picks free ports by binding and releasing them before the
    kernel binds them; kernels started at the same moment by parallel workers can be given
    the same port, and the loser fails with "Address already in use" after a minute's
    wait. Socket files under a random name per kernel cannot collide (jupyter_client's
    own default name for them is one fixed name in the working folder, which collides
    just the same).
    """
    from jupyter_client import AsyncKernelManager

    if os.name != "posix":
        return AsyncKernelManager
    import tempfile
    import uuid

    from traitlets import default

    class UnixSocketKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc"

        @default("ip")
        def _default_ip(self):
            # The sockets are "<this>-<n>"; a short path stays within the 104-byte limit of socket names.
            return os.path.join(tempfile.gettempdir(), f"nbk-{uuid.uuid4().hex[:16]}")

    return UnixSocketKernelManager


def execute(job: Job) -> tuple[str, str | None]:
    """Run one job (in a worker process); returns (name, error message or None)."""
    import papermill as pm

    job.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(job.input),
            str(job.output),
            parameters=job.parameters,
            kernel_name=KERNEL,
            progress_bar=False,
            cwd=str(job.input.parent),
            # The kernel logs a transport warning at every start (it only talks to this
            # process, on loopback); keep the progress display readable.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            kernel_manager_class=_kernel_manager_class(),
        )
    except Exception as exc:  # noqa: BLE001 - reported per notebook, the others go on
        return job.name, f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else exc!r}"
    normalise(job.output)
    return job.name, None


def _read_stamps(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_stamps(path: Path, stamps: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(sorted(stamps.items())), indent=1) + "\n")


def run(
    processed_dir: Path | None = None,
    notebooks_dir: Path | None = None,
    build_dir: Path | None = None,
    workers: int = WORKERS,
    progress: bool = True,
    force: bool = False,
    exclude_party_claims: bool = False,
) -> dict:
    """Execute what is out of date. Returns {'executed': [...], 'up_to_date': [...], 'removed': [...], 'failed': {name: message}}."""
    from tqdm import tqdm

    from analysis import load

    out_dir = notebook_dir(exclude_party_claims, build_dir)
    jobs = plan(processed_dir, notebooks_dir, build_dir, exclude_party_claims)
    shared = shared_inputs_hash(load.resolve_processed_dir(processed_dir))
    stamps_path = out_dir / STAMPS_FILE
    stamps = _read_stamps(stamps_path)

    wanted = {j.name for j in jobs}
    removed = []
    for stale in sorted((out_dir / "regions").glob("*.ipynb")):
        name = f"regions/{stale.name}"
        if name not in wanted:
            stale.unlink()
            stamps.pop(name, None)
            removed.append(name)

    hashes = {j.name: job_hash(j, shared) for j in jobs}
    todo = [j for j in jobs if force or not j.output.exists() or stamps.get(j.name) != hashes[j.name]]
    up_to_date = [j.name for j in jobs if j not in todo]
    executed, failed = [], {}
    if todo:
        ctx = multiprocessing.get_context("spawn")  # a clean interpreter per worker, no forked zmq state
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo))), mp_context=ctx) as pool:
            futures = {pool.submit(execute, j): j for j in todo}
            with tqdm(total=len(todo), desc="notebooks", unit="nb", disable=not progress) as bar:
                for fut in as_completed(futures):
                    name, error = fut.result()
                    if error is None:
                        stamps[name] = hashes[name]
                        executed.append(name)
                    else:
                        stamps.pop(name, None)
                        failed[name] = error
                    bar.set_postfix_str(name, refresh=False)
                    bar.update(1)
                    _write_stamps(stamps_path, stamps)
    from analysis.redact.outputs import check_notebooks  # a notebook naming a restricted value is removed

    failed.update(check_notebooks(out_dir))
    _write_stamps(stamps_path, stamps)
    return {"executed": sorted(executed), "up_to_date": sorted(up_to_date), "removed": removed, "failed": failed}


def register_lab_kernel() -> None:
    """Install the venv's kernel under the project's name, for `make lab`."""
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", config.KERNEL_NAME,
         "--display-name", config.KERNEL_DISPLAY_NAME],
        check=True,
    )


def lab_command(extra: list[str] | None = None, euid: int | None = None) -> list[str]:
    """The command that starts JupyterLab on notebooks/: with ``--allow-root`` when run as root,
    where Jupyter refuses to start without it (containers and CI images run as root)."""
    euid = os.geteuid() if euid is None and hasattr(os, "geteuid") else euid
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter) if jupyter.exists() else "jupyter", "lab", f"--notebook-dir={config.NOTEBOOKS_DIR}"]
    return command + (["--allow-root"] if euid == 0 else []) + list(extra or [])


def start_lab(extra: list[str] | None = None) -> None:
    """Register the kernel and replace this process by JupyterLab (signals then reach Jupyter directly)."""
    register_lab_kernel()
    command = lab_command(extra)
    os.execv(command[0], command) if os.path.isabs(command[0]) else os.execvp(command[0], command)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passed = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m analysis.notebooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processed-dir", type=Path, default=None, help="processed tables (default: data/processed)")
    parser.add_argument("--notebooks-dir", type=Path, default=None, help="notebooks to run (default: notebooks/)")
    parser.add_argument("--build-dir", type=Path, default=None, help="build folder (default: build/)")
    parser.add_argument("--jobs", type=int, default=WORKERS, help=f"notebooks executed at once (default: the cores plus one, here {WORKERS})")
    parser.add_argument("--force", action="store_true", help="execute every notebook, also those up to date")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    claims = parser.add_mutually_exclusive_group()
    claims.add_argument("--exclude-party-claims", dest="exclude", action="store_true", default=None,
                        help=f"run without the figures claimed by a party to the conflict, into build/{NOTEBOOK_DIRS[True]}/ "
                             f"(default: the environment variable {EXCLUDE_ENV})")
    claims.add_argument("--include-party-claims", dest="exclude", action="store_false", help="run with them, into build/notebooks/")
    parser.add_argument("--lab-kernel", action="store_true", help="register the project's Jupyter kernel and exit")
    parser.add_argument("--lab", action="store_true", help="register the kernel and start JupyterLab (arguments after -- go to Jupyter)")
    args = parser.parse_args(argv)
    if args.lab_kernel:
        register_lab_kernel()
        return 0
    if args.lab:
        start_lab(passed)
        return 0
    try:
        exclude = env_exclude_party_claims() if args.exclude is None else args.exclude
    except ValueError as exc:
        parser.error(str(exc))
    result = run(args.processed_dir, args.notebooks_dir, args.build_dir, args.jobs, not args.no_progress, args.force, exclude)
    where = notebook_dir(exclude, args.build_dir)
    if not result["executed"] and not result["failed"]:
        print(f"notebooks: nothing to execute, {len(result['up_to_date'])} up to date in {where.name}/")
    else:
        print(f"notebooks: executed {len(result['executed'])}, {len(result['up_to_date'])} up to date"
              + (f", {len(result['failed'])} failed" if result["failed"] else "") + f" in {where.name}/")
    for name in result["removed"]:
        print(f"notebooks: removed {name} (its region has no incidents any more)")
    for name, message in sorted(result["failed"].items()):
        print(f"notebooks: {name} failed: {message} (see {where / name})", file=sys.stderr)
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
