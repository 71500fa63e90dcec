"""Benchmarks of the pipeline at archive scale (what `make bench` runs).

For each size (1,000, 10,000, 100,000 and 1,000,000 SYNTHETIC raw records by default;
``--quick`` for the first two, ``--sizes`` to choose), it generates a synthetic archive
with ``benchmarks/synthetic.py`` under ``benchmarks/out/`` and measures, each step in a
fresh subprocess so that the peak memory is the step's own (its process and any process
it starts, summed):

1. cleaning and validation: ``analysis.build.run`` into a temporary processed folder;
2. loading the processed tables: ``analysis.load.load_all(processed_dir=...)``;
3. the standard aggregations: ``analysis.aggregate`` by region, by period (quarter), by
   victim group, by coercion, by perpetrator, and the key figures;
4. drawing the map: ``analysis.figures.region_map`` rendered to a PNG.

It also measures the normalisers (``benchmarks/bench_normalize.py``): the date
normaliser against ``dateparser.parse`` row by row on one column of real-style date
phrases (time, ratio, agreement, and the share of annotated phrases each reads right),
and ``python -m analysis.build --check`` on the seed data, the coder's loop.

It prints a table per size (wall time, rows per second, peak resident memory of the
step's processes) and a growth table (time ratio between successive sizes against the 10x
ratio of records). Then it times the whole pipeline on the real dataset, in a temporary
copy of the project with the installed environment: ``make report`` from clean, the
notebook sweep alone, ``make report`` with nothing changed, and a rebuild after changing
one raw record, with the CPU use of each (user + system time of all processes over wall
time: 2.0 means both cores busy). ``--profile`` (on by default when 100,000 is among the
sizes) profiles the cleaning at 100,000 records with pyinstrument.

The figures are written to ``benchmarks/RESULTS.md`` with the machine's description and
a log-log plot ``benchmarks/scaling.png``; raw results accumulate in
``benchmarks/out/results.json`` (a size measured again replaces its earlier figures).
A step that fails or times out is recorded as "not measured: <reason>"; the run goes on.

Run:  .venv/bin/python benchmarks/run.py [--quick | --sizes 1k,10k,100k,1M] [--no-pipeline] [--no-normalize]
      .venv/bin/python benchmarks/run.py --normalize-only   # rewrites only the "Normalisers" section of RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
RESULTS_JSON = OUT_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
SCALING_PNG = BENCH_DIR / "scaling.png"
PROFILE_HTML = OUT_DIR / "profile_build.html"
PROFILE_TXT = OUT_DIR / "profile_build.txt"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)
PROFILE_SIZE = 100_000
STEPS = ("build", "load", "aggregate", "map")
STEP_TITLES = {
    "generate": "generate synthetic records (not a pipeline step)",
    "build": "cleaning and validation (build.run)",
    "load": "loading the processed tables (load_all)",
    "aggregate": "standard aggregations",
    "map": "drawing the map (region_map to PNG)",
}
#: A step still running after this many seconds is stopped and recorded as not measured.
STEP_TIMEOUT_S = 1800
PIPELINE_TIMEOUT_S = 1800

# Targets of the issue (this machine: 2 cores).
TARGET_BUILD_1M_S = 60
TARGET_BUILD_1M_GIB = 4
TARGET_LOAD_AGG_1M_S = 10
TARGET_REPORT_CLEAN_S = 60
TARGET_REPORT_NOOP_S = 2

CHILD_ENV = {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}


# ======================================================================================
# Steps, each run in a child process: python benchmarks/run.py --step NAME --root DIR
# ======================================================================================


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _step_generate(root: Path, n: int, seed: int) -> dict:
    sys.path.insert(0, str(BENCH_DIR))
    import synthetic

    t = time.perf_counter()
    s = synthetic.generate(n, root, seed, quiet=True)
    return {"seconds": time.perf_counter() - t, "rows": n, "stats": s.stats, "n_sources": s.n_sources}


def _step_build(root: Path, profile: Path | None = None) -> dict:
    sys.path.insert(0, str(BENCH_DIR))
    import synthetic
    from analysis import build

    processed = root / "processed"
    kwargs = dict(raw_dir=root / "raw", sources_dir=root / "sources", reference_dir=REFERENCE_DIR,
                  processed_dir=processed, today=synthetic.TODAY, root=root)
    if profile is None:
        t = time.perf_counter()
        b = build.run(**kwargs)
        seconds = time.perf_counter() - t
        return {"seconds": seconds, "rows": b.n_records, "n_incidents": b.n_incidents, "n_rejected": b.n_rejected,
                "n_merged": b.n_merged}
    from pyinstrument import Profiler

    kwargs["processed_dir"] = root / "processed-profile"
    profiler = Profiler(interval=0.005)
    t = time.perf_counter()
    profiler.start()
    b = build.run(**kwargs)
    profiler.stop()
    seconds = time.perf_counter() - t
    shutil.rmtree(root / "processed-profile", ignore_errors=True)
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.write_text(profiler.output_html(), encoding="utf-8")
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    flat = profiler.output_text(unicode=False, color=False, flat=True, flat_time="self")
    PROFILE_TXT.write_text(text + "\n\n# Flat (self time)\n\n" + flat, encoding="utf-8")
    return {"seconds": seconds, "rows": b.n_records, **_summarise_profile(profiler.last_session)}


def _summarise_profile(session) -> dict:
    """Phases of build.run (its direct callees) and the functions with most self time."""
    root = session.root_frame()
    total = root.time if root is not None else 0.0

    def walk(frame):
        yield frame
        for c in frame.children:
            yield from walk(c)

    def name(f) -> str:
        path = (f.file_path_short or "").replace("\\", "/")
        return f"{f.function} ({path}:{f.line_no})" if path else f.function

    def real(f):
        """The frame a synthetic '[self]' frame stands for (its parent)."""
        return f.parent if getattr(f, "is_synthetic", False) and f.parent is not None else f

    def grouped(children) -> list[tuple[str, float]]:
        acc: dict[str, float] = {}
        for c in children:
            label = "(own code)" if getattr(c, "is_synthetic", False) else name(c)
            acc[label] = acc.get(label, 0.0) + c.time
        return sorted(acc.items(), key=lambda kv: -kv[1])

    phases: list[dict] = []
    frames = list(walk(root)) if root is not None else []
    run = next((f for f in frames if f.function == "run" and (f.file_path or "").endswith("analysis/clean/__init__.py")), None)
    if run is not None:
        for label, t in grouped(run.children):
            phases.append({"function": label, "seconds": round(t, 2)})
        # One level deeper for process(), where the per-record work is.
        proc = next((c for c in run.children if c.function == "process"), None)
        if proc is not None:
            for label, t in grouped(proc.children)[:12]:
                phases.append({"function": "  process > " + label, "seconds": round(t, 2)})
    self_time: dict[str, float] = {}
    inclusive: dict[str, float] = {}
    for f in frames:
        own = f.time - sum(c.time for c in f.children)
        if own > 0:
            key = name(real(f))
            self_time[key] = self_time.get(key, 0.0) + own
    for f in frames:
        if getattr(f, "is_synthetic", False):
            continue
        # Inclusive time counted once per call chain: skip frames nested in a frame of the same function.
        parent, nested = f.parent, False
        while parent is not None:
            if name(parent) == name(f):
                nested = True
                break
            parent = parent.parent
        if not nested:
            inclusive[name(f)] = inclusive.get(name(f), 0.0) + f.time
    top_self = sorted(self_time.items(), key=lambda kv: -kv[1])[:20]
    top_incl = sorted(((k, v) for k, v in inclusive.items() if "analysis/" in k), key=lambda kv: -kv[1])[:25]
    return {"profile_total_s": round(total, 2), "profile_cpu_s": round(getattr(session, "cpu_time", 0.0) or 0.0, 2), "phases": phases,
            "top_self": [{"function": k, "seconds": round(v, 2)} for k, v in top_self],
            "top_inclusive": [{"function": k, "seconds": round(v, 2)} for k, v in top_incl]}


def _step_load(root: Path) -> dict:
    from analysis import load

    processed = root / "processed"
    parts = {}
    t0 = time.perf_counter()
    if hasattr(load, "load_all"):
        tables = load.load_all(processed_dir=processed)
    else:
        tables = {name: getattr(load, f"load_{name}")(processed_dir=processed)
                  for name in ("incidents", "amounts", "evidence", "sources", "merges", "rejections")}
    seconds = time.perf_counter() - t0
    for name in ("incidents", "amounts", "evidence", "sources", "merges", "rejections"):
        t = time.perf_counter()
        getattr(load, f"load_{name}")(processed_dir=processed)
        parts[name] = time.perf_counter() - t
    return {"seconds": seconds, "rows": int(len(tables["incidents"])), "parts": parts,
            "table_rows": {k: int(len(v)) for k, v in tables.items()}}


AGGREGATIONS = (
    ("by_region", lambda a, t: a.by_region(t["incidents"])),
    ("by_period (quarter)", lambda a, t: a.by_period(t["incidents"], "quarter")),
    ("by_victim_group", lambda a, t: a.by_victim_group(t["incidents"])),
    ("by_coercion", lambda a, t: a.by_coercion(t["incidents"])),
    ("by_perpetrator", lambda a, t: a.by_perpetrator(t["incidents"])),
    ("key_figures", lambda a, t: a.key_figures(t["incidents"], t["sources"], t["amounts"])),
)


def _step_aggregate(root: Path) -> dict:
    from analysis import aggregate, load

    processed = root / "processed"
    t = time.perf_counter()
    tables = {name: getattr(load, f"load_{name}")(processed_dir=processed) for name in ("incidents", "sources", "amounts")}
    load_seconds = time.perf_counter() - t
    parts, failed = {}, {}
    t0 = time.perf_counter()
    for label, func in AGGREGATIONS:
        t = time.perf_counter()
        try:
            func(aggregate, tables)
        except Exception as exc:  # noqa: BLE001 - recorded, the others go on
            failed[label] = f"{type(exc).__name__}: {exc}"
        parts[label] = time.perf_counter() - t
    return {"seconds": time.perf_counter() - t0, "rows": int(len(tables["incidents"])), "parts": parts, "failed": failed,
            "load_seconds": load_seconds}


def _step_map(root: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    from analysis import figures, load

    processed = root / "processed"
    events = load.load_incidents(processed_dir=processed)
    sources = load.load_sources(processed_dir=processed)
    regions, countries = load.load_regions(), load.load_countries()
    if hasattr(figures, "use_house_style"):
        figures.use_house_style()
    t0 = time.perf_counter()
    fig = figures.region_map(events, sources, regions=regions, countries=countries)
    t1 = time.perf_counter()
    out = root / "map.png"
    if hasattr(figures, "save"):
        figures.save(fig, out)
    else:
        fig.savefig(out)
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "rows": int(len(events)), "parts": {"region_map (styles, layout)": t1 - t0, "render PNG": t2 - t1}}


def child_main(args: argparse.Namespace) -> int:
    root = Path(args.root)
    result: dict
    try:
        if args.step == "generate":
            result = _step_generate(root, args.records, args.seed)
        elif args.step == "build":
            result = _step_build(root, Path(args.profile) if args.profile else None)
        elif args.step == "load":
            result = _step_load(root)
        elif args.step == "aggregate":
            result = _step_aggregate(root)
        elif args.step == "map":
            result = _step_map(root)
        else:
            raise SystemExit(f"unknown step {args.step!r}")
        result["ok"] = True
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        msg = str(exc).strip().splitlines()
        result = {"ok": False, "error": f"{type(exc).__name__}: {msg[0] if msg else ''}"[:400],
                  "traceback": traceback.format_exc()[-3000:]}
    result["peak_rss_mb"] = _peak_rss_mb()
    Path(args.result).write_text(json.dumps(result, default=str))
    return 0


# ======================================================================================
# Parent: run the steps, collect, print, write
# ======================================================================================


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    try:
        parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        vals = [float(v) for v in parts]
        idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
        return sum(vals) - idle, sum(vals)
    except OSError:
        return 0.0, 0.0


class _TreeWatch:
    """Samples a process and its descendants: CPU time of every process seen, peak total RSS.

    RUSAGE_CHILDREN only counts descendants that their parents waited for; sampling the
    tree also counts notebook kernels and pool workers, and lets a step that takes more
    memory than the machine can spare be stopped before the kernel's OOM killer picks a
    process of someone else.
    """

    def __init__(self, pid: int, max_rss_mb: float | None):
        import psutil

        self.psutil = psutil
        self.root = psutil.Process(pid)
        self.max_rss_mb = max_rss_mb
        self.cpu: dict[tuple[int, float], float] = {}
        self.peak_rss_mb = 0.0
        self.samples: list[tuple[float, float]] = []  # (time, total CPU seconds so far)
        self.stopped: str | None = None

    def sample(self) -> None:
        ps = self.psutil
        try:
            procs = [self.root] + self.root.children(recursive=True)
        except ps.Error:
            return
        rss = 0
        for p in procs:
            try:
                with p.oneshot():
                    t = p.cpu_times()
                    self.cpu[(p.pid, p.create_time())] = t.user + t.system
                    rss += p.memory_info().rss
            except ps.Error:
                continue
        self.peak_rss_mb = max(self.peak_rss_mb, rss / 2**20)
        self.samples.append((time.perf_counter(), sum(self.cpu.values())))
        if self.max_rss_mb and rss / 2**20 > self.max_rss_mb and self.stopped is None:
            self.stopped = f"stopped: the step's processes took over {self.max_rss_mb / 1024:.0f} GiB of memory"
            for p in reversed(procs):
                try:
                    p.kill()
                except ps.Error:
                    pass

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())

    def peak_cores(self, window: float = 2.0) -> float:
        """Highest CPU use over any window of about ``window`` seconds (cores busy)."""
        best, j = 0.0, 0
        for i in range(len(self.samples)):
            while self.samples[i][0] - self.samples[j][0] > window:
                j += 1
            dt_ = self.samples[i][0] - self.samples[j][0]
            if dt_ >= window / 2:
                best = max(best, (self.samples[i][1] - self.samples[j][1]) / dt_)
        return best


def _run_watched(cmd: list[str], *, cwd: Path, env: dict, timeout: float, max_rss_mb: float | None,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) -> tuple[int | None, str, str, _TreeWatch]:
    """Run a command, sampling its process tree every 0.2 s; returns (rc or None on timeout, out, err, watch)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=stderr, text=True)
    watch = _TreeWatch(proc.pid, max_rss_mb)
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    import threading

    def drain(stream, sink):
        if stream is not None:
            sink.append(stream.read())

    threads = [threading.Thread(target=drain, args=(proc.stdout, out_chunks), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, err_chunks), daemon=True)]
    for t in threads:
        t.start()
    rc: int | None = None
    while True:
        watch.sample()
        try:
            rc = proc.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if time.perf_counter() - t0 > timeout:
                for p in [watch.root] + watch.root.children(recursive=True)[::-1]:
                    try:
                        p.kill()
                    except Exception:  # noqa: BLE001
                        pass
                proc.wait()
                rc = None
                break
    for t in threads:
        t.join(timeout=5)
    return rc, "".join(out_chunks), "".join(err_chunks), watch


def _default_max_rss_mb() -> float:
    """Three quarters of the machine's memory: what a step may take before it is stopped."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024 * 0.75
    except OSError:
        pass
    return 16 * 1024


MAX_RSS_MB = _default_max_rss_mb()


def run_child(step: str, root: Path, *, records: int = 0, seed: int = 0, profile: Path | None = None,
              timeout: float = STEP_TIMEOUT_S) -> dict:
    """Run one step in a fresh interpreter; returns its result with the process's wall and CPU time."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=OUT_DIR, delete=False) as fh:
        result_path = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--step", step, "--root", str(root), "--result", str(result_path),
           "--records", str(records), "--seed", str(seed)]
    if profile:
        cmd += ["--profile-out", str(profile)]
    env = {**os.environ, **CHILD_ENV}
    t0 = time.perf_counter()
    try:
        rc, out, err, watch = _run_watched(cmd, cwd=PROJECT_ROOT, env=env, timeout=timeout, max_rss_mb=MAX_RSS_MB)
        wall = time.perf_counter() - t0
        if watch.stopped:
            result = {"ok": False, "error": watch.stopped}
        elif rc is None:
            result = {"ok": False, "error": f"did not finish within {timeout:.0f} s (stopped)"}
        else:
            try:
                result = json.loads(result_path.read_text())
            except (OSError, json.JSONDecodeError):
                tail = (err or out or "").strip().splitlines()[-3:]
                result = {"ok": False, "error": f"the step's process exited with {rc}: {' | '.join(tail)}"[:400]}
    finally:
        result_path.unlink(missing_ok=True)
    result["process_wall_s"] = wall
    result["process_cpu_s"] = watch.cpu_s
    # The step's own maximum, or the sampled total of its process tree (the build forks a
    # helper process for large archives) when that is higher.
    result["peak_rss_mb"] = max(result.get("peak_rss_mb") or 0.0, watch.peak_rss_mb)
    return result


def measure_size(n: int, seed: int, timeout: float, log) -> dict:
    sys.path.insert(0, str(BENCH_DIR))
    import synthetic

    root = synthetic.default_root(n, seed)
    entry: dict = {"records": n, "measured": dt.datetime.now().isoformat(timespec="seconds"), "code": code_state(), "steps": {}}
    log(f"\n== {n:,} synthetic records ({root.relative_to(PROJECT_ROOT)}) ==")
    gen = run_child("generate", root, records=n, seed=seed, timeout=timeout)
    entry["generate"] = gen
    if not gen.get("ok"):
        log(f"  generate: not measured: {gen.get('error')}")
        return entry
    entry["synthetic_stats"] = gen.get("stats", {})
    log(f"  generated (or reused) in {gen['process_wall_s']:.1f} s: {gen['n_sources']:,} sources, "
        f"{gen['stats'].get('raw_mb')} MB of CSV, {gen['stats'].get('archive_mb')} MB of archived text")
    for step in STEPS:
        if step != "build" and not entry["steps"].get("build", {}).get("ok"):
            entry["steps"][step] = {"ok": False, "error": "no processed tables (the cleaning step failed)"}
            continue
        log(f"  {STEP_TITLES[step]} ...", end="")
        res = run_child(step, root, timeout=timeout)
        entry["steps"][step] = res
        if res.get("ok"):
            log(f" {res['seconds']:.2f} s, peak {res['peak_rss_mb']:,.0f} MB")
            if res.get("failed"):
                for k, v in res["failed"].items():
                    log(f"    {k}: failed: {v}")
        else:
            log(f" not measured: {res.get('error')}")
    # The processed tables of large sizes take disk space; the raw archive is kept for reuse.
    return entry


# ---- whole pipeline on the real dataset -------------------------------------------------


def _project_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True)
    return [p for p in out.stdout.decode().split("\0") if p]


def _timed(cmd: list[str], cwd: Path, env: dict, log_path: Path, timeout: float) -> dict:
    (busy0, tot0), t0 = _machine_busy(), time.perf_counter()
    with open(log_path, "w") as logf:
        rc, _, _, watch = _run_watched(cmd, cwd=cwd, env=env, timeout=timeout, max_rss_mb=MAX_RSS_MB,
                                       stdout=logf, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    busy1, tot1 = _machine_busy()
    ncpu = os.cpu_count() or 1
    res = {"seconds": wall, "cpu_s": watch.cpu_s, "cores_used": watch.cpu_s / wall if wall else 0.0,
           "peak_cores": watch.peak_cores(), "peak_rss_mb": watch.peak_rss_mb,
           "machine_util": (busy1 - busy0) / (tot1 - tot0) if tot1 > tot0 else None, "ncpu": ncpu,
           "log": str(log_path.relative_to(PROJECT_ROOT)), "ok": rc == 0 and not watch.stopped}
    if not res["ok"]:
        tail = [ln for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()][-4:]
        why = watch.stopped or (f"timed out after {timeout:.0f} s" if rc is None else f"exit {rc}")
        res["error"] = why + ": " + " | ".join(tail)[-500:]
    return res


def measure_pipeline(log, timeout: float = PIPELINE_TIMEOUT_S) -> dict:
    """make report from clean, the notebook sweep, a no-op make report, a one-record rebuild (in a copy)."""
    result: dict = {"measured": dt.datetime.now().isoformat(timespec="seconds"), "code": code_state(), "steps": {}}
    venv = PROJECT_ROOT / ".venv"
    sources_dir = Path(os.environ.get("COERCION_SOURCES_DIR") or PROJECT_ROOT.parent / "shared" / "sources").resolve()
    logs = OUT_DIR / "pipeline-logs"
    logs.mkdir(parents=True, exist_ok=True)
    copy = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    try:
        files = _project_files()
        for rel in files:
            src = PROJECT_ROOT / rel
            if src.is_file() and not src.is_symlink():
                dst = copy / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
        # The environment is installed already: a stamp inside the copy stands for it, so make
        # neither reinstalls nor re-points the shared venv's editable install at the copy.
        env_stamp = copy / ".bench-env-installed"
        env_stamp.touch()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COERCION_")}
        env.update(CHILD_ENV)
        env.update({"PYTHONPATH": str(copy / "src"), "COERCION_SOURCES_DIR": str(sources_dir)})
        make = ["make", f"VENV={venv}", f"ENV_STAMP={env_stamp}", f"COERCION_SOURCES_DIR={sources_dir}"]
        result["copy"] = {"files": len(files), "path": str(copy)}
        check = subprocess.run([str(venv / "bin" / "python"), "-c", "import analysis, sys; print(analysis.__file__)"],
                               cwd=copy, env=env, capture_output=True, text=True)
        if not check.stdout.strip().startswith(str(copy)):
            result["error"] = f"the copy's package is not the one imported ({check.stdout.strip() or check.stderr.strip()})"
            log("  pipeline: not measured: " + result["error"])
            return result
        subprocess.run(make + ["clean"], cwd=copy, env=env, capture_output=True)

        def step(key: str, title: str, cmd: list[str]) -> dict:
            log(f"  {title} ...", end="")
            res = _timed(cmd, copy, env, logs / f"{key}.log", timeout)
            result["steps"][key] = res
            if res["ok"]:
                log(f" {res['seconds']:.1f} s (CPU {res['cpu_s']:.1f} s, {res['cores_used']:.2f} cores busy)")
            else:
                log(f" not measured: {res.get('error')}")
            return res

        log("\n== whole pipeline on the real dataset (temporary copy, installed environment) ==")
        step("report_clean", "make report from clean", make + ["report"])
        shutil.rmtree(copy / "build" / "notebooks", ignore_errors=True)
        step("notebooks", "notebook sweep alone (make notebooks after rm -rf build/notebooks)", make + ["notebooks"])
        # The sweep re-executed the notebooks, so the report is out of date once: bring it up
        # to date, then time a make report with truly nothing changed.
        step("report_after_sweep", "make report after the sweep (the report only)", make + ["report"])
        step("report_noop", "make report, nothing changed", make + ["report"])
        edited = _edit_one_summary(copy)
        result["edited"] = edited
        if edited:
            step("report_one_record", f"make report after editing one summary ({edited})", make + ["report"])
        else:
            result["steps"]["report_one_record"] = {"ok": False, "error": "no YAML record with a summary to edit"}
        nb_dir = copy / "build" / "notebooks"
        result["n_notebooks"] = len(list(nb_dir.rglob("*.ipynb"))) if nb_dir.exists() else 0
    except Exception as exc:  # noqa: BLE001 - the runner must not crash
        result["error"] = f"{type(exc).__name__}: {exc}"
        log("  pipeline: not measured: " + result["error"])
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return result


def _edit_one_summary(copy: Path) -> str | None:
    """Append a few words to the first summary of the first YAML file (a folded block or a plain line)."""
    for path in sorted((copy / "data" / "raw" / "incidents").glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for k, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith("summary:"):
                value = stripped[len("summary:"):].strip()
                target = k + 1 if value in (">-", ">", "|", "|-", "") else k
                if target >= len(lines) or not lines[target].strip():
                    continue
                lines[target] = lines[target].rstrip("\n") + " (edited)\n"
                path.write_text("".join(lines), encoding="utf-8")
                return f"{path.name}, line {target + 1}"
    return None


# ---- report -------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = int(line.split()[1]) / 2**20
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()
    # The files this run writes itself do not count as changes to the code measured.
    own = {RESULTS_MD.relative_to(PROJECT_ROOT).as_posix(), SCALING_PNG.relative_to(PROJECT_ROOT).as_posix()}
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True).stdout
    dirty = any(line[3:].strip() not in own for line in status.splitlines() if line.strip())
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_gib, 1) if mem_gib else None,
            "python": platform.python_version(), "os": platform.platform(),
            "date": dt.datetime.now().isoformat(timespec="minutes"), "commit": commit + (" (with uncommitted changes)" if dirty else "")}


def code_state() -> str:
    """Which code was measured: the commit, and a fingerprint of the package's source as it is on disk.

    The package may change between the runs of different sizes; two measurements with the
    same fingerprint measured the same code.
    """
    import hashlib

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()
    h = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "src" / "analysis").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".csv", ".lua") and "__pycache__" not in path.parts:
            h.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    changed = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout
    n = len([ln for ln in changed.splitlines() if ln.strip()])
    return f"{commit}, src {h.hexdigest()[:10]}" + (f" ({n} files under src/ differ from the commit)" if n else "")


def _fmt_s(v) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:.2f}"


def _fmt_n(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def size_table(entry: dict) -> list[str]:
    rows = ["| step | wall time (s) | rows | rows per second | peak memory (MB) | process wall / CPU incl. start-up (s) |",
            "|---|---:|---:|---:|---:|---:|"]
    for step in STEPS:
        r = entry["steps"].get(step)
        if r is None:
            continue
        if not r.get("ok"):
            rows.append(f"| {STEP_TITLES[step]} | not measured: {r.get('error', '?').replace('|', '/')} | | | | |")
            continue
        rate = r["rows"] / r["seconds"] if r["seconds"] else float("nan")
        rows.append(f"| {STEP_TITLES[step]} | {_fmt_s(r['seconds'])} | {r['rows']:,} | {rate:,.0f} | {r['peak_rss_mb']:,.0f} | "
                    f"{_fmt_s(r['process_wall_s'])} / {_fmt_s(r.get('process_cpu_s'))} |")
    return rows


def _parts_lines(entry: dict) -> list[str]:
    out = []
    for step in ("load", "aggregate", "map"):
        r = entry["steps"].get(step) or {}
        if r.get("ok") and r.get("parts"):
            parts = ", ".join(f"{k} {_fmt_s(v)} s" for k, v in r["parts"].items())
            out.append(f"- {step}: {parts}" + (f" (failed: {', '.join(r['failed'])})" if r.get("failed") else ""))
    return out


def growth_table(sizes: dict) -> list[str]:
    ns = sorted(int(k) for k in sizes)
    rows = ["| step | " + " | ".join(f"{_fmt_n(a)} → {_fmt_n(b)}" for a, b in zip(ns, ns[1:])) + " |",
            "|---|" + "---:|" * (len(ns) - 1)]
    for step in STEPS:
        cells = []
        for a, b in zip(ns, ns[1:]):
            ra, rb = sizes[str(a)]["steps"].get(step, {}), sizes[str(b)]["steps"].get(step, {})
            if ra.get("ok") and rb.get("ok") and ra["seconds"] > 0:
                ratio = rb["seconds"] / ra["seconds"]
                expo = math.log(ratio) / math.log(b / a)
                cells.append(f"×{ratio:.1f} (n^{expo:.2f})")
            else:
                cells.append("n/a")
        rows.append(f"| {STEP_TITLES[step]} | " + " | ".join(cells) + " |")
    return rows


def _target(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**missed**")


def targets(results: dict) -> list[str]:
    big = results["sizes"].get(str(1_000_000), {}).get("steps", {})
    b = big.get("build", {})
    lo, ag = big.get("load", {}), big.get("aggregate", {})
    pipe = results.get("pipeline", {}).get("steps", {})
    rows = ["| target | measured | result |", "|---|---|---|"]
    if b.get("ok"):
        gib = b["peak_rss_mb"] / 1024
        rows.append(f"| 1M raw records cleaned and validated < {TARGET_BUILD_1M_S} s, peak < {TARGET_BUILD_1M_GIB} GiB | "
                    f"{_fmt_s(b['seconds'])} s, {gib:.1f} GiB | {_target(b['seconds'] < TARGET_BUILD_1M_S and gib < TARGET_BUILD_1M_GIB)} |")
    else:
        rows.append(f"| 1M raw records cleaned and validated < {TARGET_BUILD_1M_S} s, peak < {TARGET_BUILD_1M_GIB} GiB | "
                    f"{b.get('error', 'not run')} | {_target(None) if not b else '**missed**'} |")
    if lo.get("ok") and ag.get("ok"):
        # The aggregations read incidents, sources and amounts (timed in the aggregation step's
        # fresh process, before the aggregations); load_all also reads the evidence (3-4 rows
        # per record) and the other tables.
        needed = ag.get("load_seconds")
        if needed is None:
            needed = sum(lo.get("parts", {}).get(k, 0.0) for k in ("incidents", "sources", "amounts"))
        t = needed + ag["seconds"]
        rows.append(f"| loading + standard aggregations over 1M incidents < {TARGET_LOAD_AGG_1M_S} s | loading incidents, sources, amounts "
                    f"{_fmt_s(needed)} s (all six tables: {_fmt_s(lo['seconds'])} s) + aggregations {_fmt_s(ag['seconds'])} s = {_fmt_s(t)} s | "
                    f"{_target(t < TARGET_LOAD_AGG_1M_S)} |")
    else:
        err = lo.get("error") or ag.get("error") or "not run"
        rows.append(f"| loading + standard aggregations over 1M incidents < {TARGET_LOAD_AGG_1M_S} s | {err} | "
                    f"{_target(None) if not (lo or ag) else '**missed**'} |")
    for key, label, limit in (("report_clean", "`make report` from clean", TARGET_REPORT_CLEAN_S),
                              ("report_noop", "`make report` with nothing changed", TARGET_REPORT_NOOP_S)):
        r = pipe.get(key, {})
        if r.get("ok"):
            rows.append(f"| {label} < {limit} s | {_fmt_s(r['seconds'])} s | {_target(r['seconds'] < limit)} |")
        else:
            rows.append(f"| {label} < {limit} s | not measured: {r.get('error', 'not run')} | not measured |")
    r = pipe.get("notebooks", {})
    if r.get("ok"):
        rows.append(f"| the notebook sweep uses both cores (mean ≥ 1.5 cores busy) | {r['cores_used']:.2f} cores busy on average, "
                    f"{r.get('peak_cores', 0):.2f} at peak ({_fmt_s(r['cpu_s'])} s CPU in {_fmt_s(r['seconds'])} s) | {_target(r['cores_used'] >= 1.5)} |")
    else:
        rows.append(f"| the notebook sweep uses both cores | not measured: {r.get('error', 'not run')} | not measured |")
    return rows


PIPELINE_KEYS = ("report_clean", "notebooks", "report_noop", "report_one_record")


def _pipeline_summary(p: dict) -> dict:
    out = {"measured": p.get("measured"), "code": p.get("code")}
    for k in PIPELINE_KEYS:
        r = p.get("steps", {}).get(k, {})
        out[k] = {"seconds": r.get("seconds") if r.get("ok") else None, "cores_used": r.get("cores_used"),
                  "peak_cores": r.get("peak_cores"), "machine_util": r.get("machine_util")}
    return out


def pipeline_history_table(history: list[dict]) -> list[str]:
    rows = ["| measured | `make report` clean (s) | sweep (s), mean / peak cores busy | nothing changed (s) | one record changed (s) | machine CPU use during the sweep, all users |",
            "|---|---:|---:|---:|---:|---:|"]
    for h in history[-8:]:
        nb = h.get("notebooks", {})
        util = nb.get("machine_util")
        rows.append(f"| {h.get('measured')} | {_fmt_s(h['report_clean']['seconds'])} | {_fmt_s(nb.get('seconds'))}, "
                    f"{(nb.get('cores_used') or 0):.2f} / {(nb.get('peak_cores') or 0):.2f} | {_fmt_s(h['report_noop']['seconds'])} | "
                    f"{_fmt_s(h['report_one_record']['seconds'])} | {'n/a' if util is None else f'{util * 100:.0f}%'} |")
    return rows


def pipeline_table(p: dict) -> list[str]:
    if not p:
        return ["Not measured in this run (`--no-pipeline`)."]
    if p.get("error") and not p.get("steps"):
        return [f"Not measured: {p['error']}"]
    titles = {"report_clean": "`make report` from a clean build (environment installed)",
              "notebooks": "notebook sweep alone (`make notebooks` after `rm -rf build/notebooks`)",
              "report_after_sweep": "`make report` after the sweep (renders the report only)",
              "report_noop": "`make report` again, nothing changed",
              "report_one_record": f"`make report` after changing one raw record ({p.get('edited') or 'n/a'})"}
    rows = ["| step | wall time (s) | CPU time of its processes (s) | cores busy: mean (CPU / wall), peak over 2 s | peak memory (MB) | machine CPU use, all users (/proc/stat) |",
            "|---|---:|---:|---:|---:|---:|"]
    for key, title in titles.items():
        r = p["steps"].get(key)
        if r is None:
            continue
        if not r.get("ok"):
            rows.append(f"| {title} | not measured: {str(r.get('error', '?')).replace('|', '/')} | | | | |")
            continue
        util = f"{r['machine_util'] * 100:.0f}% of {r['ncpu']} cores" if r.get("machine_util") is not None else "n/a"
        rows.append(f"| {title} | {_fmt_s(r['seconds'])} | {_fmt_s(r['cpu_s'])} | {r['cores_used']:.2f}, {r.get('peak_cores', 0):.2f} | "
                    f"{r.get('peak_rss_mb', 0):,.0f} | {util} |")
    if p.get("n_notebooks"):
        rows.append("")
        rows.append(f"Executed notebooks in the copy at the end: {p['n_notebooks']}.")
    return rows


def machine_load_lines(results: dict) -> list[str]:
    """What else the machine was doing, from the whole-pipeline steps' /proc/stat figures."""
    steps = [r for r in results.get("pipeline", {}).get("steps", {}).values()
             if r.get("ok") and r.get("machine_util") is not None and r.get("seconds", 0) >= 1]
    if not steps:
        return []
    ncpu = steps[0].get("ncpu") or os.cpu_count() or 1
    # The machine's busy share not explained by the step's own processes: other users' work.
    other = max(max(0.0, r["machine_util"] - r["cores_used"] / ncpu) for r in steps)
    return [f"- Load from other processes during the whole-pipeline runs: up to {100 * other:.0f}% of the machine's "
            f"CPU time (from /proc/stat, less the steps' own use); times carry that noise."]


#: Profile entries that are not work of their own, with what they stand for.
_PROFILE_LABELS = {
    "> result (analysis/clean/readings.py": "waiting for the helper process's readings of the phrases (its work runs in "
                                 "another process, outside this profile)",
}


def _profile_label(function: str) -> str:
    for prefix, label in _PROFILE_LABELS.items():
        if prefix in "> " + function.strip():
            return f"`{function.strip()}`: {label}"
    return f"`{function.strip()}`"


def profile_lines(prof: dict) -> list[str]:
    if not prof:
        return ["Not profiled in this run."]
    if not prof.get("ok"):
        return [f"Not measured: {prof.get('error')}"]
    cpu = f", {prof['profile_cpu_s']:.1f} s of CPU" if prof.get("profile_cpu_s") else ""
    out = [f"pyinstrument (5 ms sampling) of `build.run` on {prof['rows']:,} synthetic records: {prof['seconds']:.1f} s "
           f"under the profiler{cpu}. Full report: `benchmarks/out/profile_build.html` (and `.txt`)."
           + (f" Measured {prof['measured']}; code: {prof.get('code')}." if prof.get("measured") else ""), "",
           "Where the time goes (direct callees of `build.run`, then of `process`):", "",
           "| function | seconds | share |", "|---|---:|---:|"]
    total = prof.get("profile_total_s") or prof["seconds"]
    for ph in prof.get("phases", []):
        out.append(f"| {_profile_label(ph['function'])}{' (in process)' if ph['function'].startswith('  ') else ''} | "
                   f"{ph['seconds']:.1f} | {100 * ph['seconds'] / total:.0f}% |")
    out += ["", "Functions of the package with the most time including callees:", "", "| function | seconds |", "|---|---:|"]
    for f in prof.get("top_inclusive", [])[:15]:
        out.append(f"| {_profile_label(f['function'])} | {f['seconds']:.1f} |")
    out += ["", "Hotspots by self time (time in the function's own code):", "", "| function | seconds |", "|---|---:|"]
    for f in prof.get("top_self", [])[:15]:
        out.append(f"| `{f['function']}` | {f['seconds']:.1f} |")
    return out


NORMALIZE_TITLE = "## Normalisers"
TARGET_CHECK_S = 1.5
DATEPARSER_ROWS = 5000


def measure_normalize(log) -> dict:
    """The normalisers' figures: dates against dateparser, and the coder's check."""
    sys.path.insert(0, str(BENCH_DIR))
    import bench_normalize

    out: dict = {}
    for key, fn in (("dates", lambda: bench_normalize.dates_vs_dateparser(DATEPARSER_ROWS)), ("check", bench_normalize.check_time)):
        log(f"== normalisers: {key} ==")
        try:
            out[key] = fn()
        except Exception as exc:  # noqa: BLE001 - recorded as not measured, the run goes on
            out[key] = {"error": f"{type(exc).__name__}: {exc}"}
    out["code"] = code_state()
    return out


def normalize_lines(n: dict) -> list[str]:
    """The "Normalisers" section of RESULTS.md."""
    lines = [NORMALIZE_TITLE, ""]
    d, c = n.get("dates", {}), n.get("check", {})
    if n.get("code"):
        lines += [f"Code: {n['code']}.", ""]
    if "error" in d or not d:
        lines += [f"Dates against dateparser: not measured: {d.get('error', 'no figures')}", ""]
    else:
        lines += [
            f"Dates against `dateparser.parse`, measured {d['measured']}: one column of {d['rows']:,} real-style date phrases",
            f"({d['distinct']:,} distinct with their publication dates: the date phrases of the evaluation sets and templated",
            "ones, repeated with a Zipf-like skew), read row by row by each, in one run; dateparser gets the publication",
            "date as `RELATIVE_BASE`. Agreement: dateparser's point lies in the normaliser's span, or neither gives a date.",
            "",
            "| reader | seconds | rows with a date | annotated phrases read right |",
            "|---|---|---|---|",
            f"| `parse_date` | {d['ours_s']:.2f} | {d['ours_dates']:,} | {d['eval_ours_right']} of {d['eval_phrases']} |",
            f"| `dateparser.parse` | {d['dateparser_s']:.2f} | {d['dateparser_dates']:,} | {d['eval_dateparser_right']} of {d['eval_phrases']} |",
            "",
            f"dateparser takes {d['ratio']}× the time; the two agree on {d['agree']:,} of {d['rows']:,} rows "
            f"({d['agree'] / d['rows']:.0%}). The normaliser parses each distinct (phrase, date) once; dateparser has no",
            "notion of spans, seasons, open bounds or quarters, so most disagreements are its single day against a span.",
            "",
        ]
    if "error" in c or not c:
        lines += [f"`python -m analysis.build --check`: not measured: {c.get('error', 'no figures')}", ""]
    else:
        ok = "met" if c["median_s"] <= TARGET_CHECK_S else "NOT met"
        lines += [
            f"`python -m analysis.build --check` on the seed data, whole process, measured {c['measured']}: median "
            f"**{c['median_s']} s** wall ({c.get('median_cpu_s', 'n/a')} s of CPU) of {c['runs']} runs (min {c['min_s']}, "
            f"max {c['max_s']}) with the normalisers' disk cache warm; {c['cold_cache_s']} s ({c.get('cold_cache_cpu_s', 'n/a')} s of CPU)",
            "with it empty (the first check after a change of the alias tables, the boundaries or a library).",
            f"Target {TARGET_CHECK_S} s of wall time: {ok}. The machine's load average was {c['load_average']} (2 cores, shared with",
            "other work: the CPU time is the steadier figure when it is high).",
            "",
        ]
    return lines


def replace_section(markdown: str, title: str, lines: list[str]) -> str:
    """``markdown`` with the section headed ``title`` replaced by ``lines`` (appended when absent)."""
    body = markdown.rstrip("\n").split("\n")
    if title in body:
        start = body.index(title)
        end = next((i for i in range(start + 1, len(body)) if body[i].startswith("## ")), len(body))
        body = body[:start] + lines + body[end:]
    else:
        body = body + [""] + lines
    return "\n".join(body).rstrip("\n") + "\n"


def write_markdown(results: dict) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run.py`); do not edit by hand. The size benchmarks run on **SYNTHETIC**",
        "records from `benchmarks/synthetic.py` (sources `synthetic-*`, outlet `SYNTHETIC`), generated under",
        "`benchmarks/out/` and never mixed into `data/raw`, `data/processed` or the report. See `benchmarks/README.md`.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores",
        f"- Memory: {m['memory_gib']} GiB",
        f"- Python {m['python']} on {m['os']}",
        f"- Written: {m['date']}, commit {m['commit']}",
        *machine_load_lines(results),
        "",
        "## Targets",
        "",
        *targets(results),
        "",
        "## Cost by size (synthetic archive)",
        "",
        "Each step runs in a fresh Python process; *wall time* is the step itself (imports excluded, first-use loading of",
        "the normalisers' dictionaries included), *peak memory* the resident memory of the step's processes (interpreter and",
        "libraries included): the process's own maximum, or the total of it and any helper process it forks, sampled every",
        "0.2 s, when that is higher (a forked helper shares pages with its parent, so the total overstates a little), *rows* raw records for cleaning and incidents for the other steps.",
        "",
    ]
    for n in sorted(int(k) for k in sizes):
        e = sizes[str(n)]
        st = e.get("synthetic_stats", {})
        lines += [f"### {n:,} records ({_fmt_n(n)}), measured {e['measured']}", ""]
        if e.get("code"):
            lines += [f"Code: {e['code']}.", ""]
        if st:
            lines += [f"Synthetic archive: {st.get('sources', 0):,} sources, {st.get('raw_mb')} MB of CSV, {st.get('archive_mb')} MB of texts; "
                      f"{st.get('incident', 0):,} incidents, {st.get('practice', 0):,} practices, {st.get('context', 0):,} context records, "
                      f"{st.get('excluded', 0):,} excluded, {st.get('merged', 0):,} merges, {st.get('overlaps', 0):,} overlaps; distinct phrases: "
                      f"{st.get('distinct_date_phrases', 0):,} dates, {st.get('distinct_place_phrases', 0):,} places, "
                      f"{st.get('distinct_persons_phrases', 0):,} head-counts, {st.get('distinct_money_phrases', 0):,} amounts.", ""]
        lines += size_table(e)
        parts = _parts_lines(e)
        if parts:
            lines += ["", "Breakdown:", "", *parts]
        lines.append("")
    if len(sizes) > 1:
        lines += ["## Growth from size to size", "",
                  "Time ratio between successive sizes (10× the records each) and the exponent it implies: n^1.00 is linear;",
                  "below 1 at small sizes means fixed costs (loading dictionaries and reference data) still dominate.", "",
                  *growth_table(sizes), "",
                  "![Wall time against records, log-log](scaling.png)", ""]
    lines += ["## Whole pipeline on the real dataset", "",
              "In a temporary copy of the project (`git ls-files -co --exclude-standard`) with the installed `.venv`",
              "(`make VENV=… ENV_STAMP=<stamp in the copy>`, `PYTHONPATH=<copy>/src`), archive texts from `COERCION_SOURCES_DIR`.",
              f"Measured {results.get('pipeline', {}).get('measured', 'n/a')}" + (f"; code: {results['pipeline']['code']}." if results.get("pipeline", {}).get("code") else "."),
              "*Cores busy* counts the CPU time of every process the step started (sampled every 0.2 s, notebook kernels",
              "included); the last column is the whole machine's use, other users' processes included: when it is near 100% while",
              "the step's own use is below 2 cores, other work on the machine took the rest.", "",
              *pipeline_table(results.get("pipeline", {})), "",
              *(["Every whole-pipeline run so far (timings vary with the other work on the machine):", "",
                 *pipeline_history_table(results["pipeline_history"]), ""] if len(results.get("pipeline_history", [])) > 1 else []),
              "## Where the time goes in cleaning (profile)", "",
              *profile_lines(results.get("profile", {})), ""]
    if results.get("normalize"):
        lines += [*normalize_lines(results["normalize"])]
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    ns = sorted(int(k) for k in sizes)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4.8))
    markers = {"build": "o", "load": "s", "aggregate": "^", "map": "D"}
    for step in STEPS:
        xs, ys, ms = [], [], []
        for n in ns:
            r = sizes[str(n)]["steps"].get(step, {})
            if r.get("ok"):
                xs.append(r["rows"])
                ys.append(r["seconds"])
                ms.append(r["peak_rss_mb"])
        if xs:
            label = STEP_TITLES[step].split(" (")[0]
            ax.loglog(xs, ys, marker=markers[step], label=label)
            ax2.loglog(xs, ms, marker=markers[step], label=label)
    if ns:
        ref = [ns[0], ns[-1]]
        base = next((sizes[str(ns[-1])]["steps"]["build"]["seconds"] for _ in [0]
                     if sizes[str(ns[-1])]["steps"].get("build", {}).get("ok")), None)
        if base:
            ax.loglog(ref, [base * ref[0] / ref[-1], base], ls="--", color="grey", lw=0.8, label="linear (slope 1)")
    ax.axhline(TARGET_BUILD_1M_S, color="#b3361b", lw=0.6, ls=":")
    # Target labels sit just under their lines, and the axes reach above the lines, so no
    # label runs into a title.
    ax.text(ns[0] if ns else 1, TARGET_BUILD_1M_S * 0.9, f"target for cleaning 1M: {TARGET_BUILD_1M_S} s", color="#b3361b", fontsize=7,
            va="top")
    ax.axhline(TARGET_LOAD_AGG_1M_S, color="#b3361b", lw=0.6, ls=":")
    ax.text(ns[0] if ns else 1, TARGET_LOAD_AGG_1M_S * 0.9, f"target, load + aggregate 1M: {TARGET_LOAD_AGG_1M_S} s",
            color="#b3361b", fontsize=7, va="top")
    ax.set_ylim(top=max(ax.get_ylim()[1], TARGET_BUILD_1M_S * 2))
    ax.set_xlabel("rows (raw records for cleaning; incidents for the other steps)")
    ax.set_ylabel("wall time (s)")
    ax.set_title("Time against size", loc="left", fontsize=10)
    ax2.axhline(TARGET_BUILD_1M_GIB * 1024, color="#b3361b", lw=0.6, ls=":")
    ax2.text(ns[0] if ns else 1, TARGET_BUILD_1M_GIB * 1024 * 0.93, f"target for cleaning 1M: {TARGET_BUILD_1M_GIB} GiB", color="#b3361b",
             fontsize=7, va="top")
    ax2.set_ylim(top=max(ax2.get_ylim()[1], TARGET_BUILD_1M_GIB * 1024 * 1.5))
    ax2.set_xlabel("rows")
    ax2.set_ylabel("peak resident memory of the step (MB)")
    ax2.set_title("Peak memory against size", loc="left", fontsize=10)
    for a in (ax, ax2):
        a.grid(True, which="major", lw=0.3, alpha=0.5)
        a.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    m = results["machine"]
    fig.suptitle(f"SYNTHETIC benchmark, {m['cpu']} ({m['cores']} cores), Python {m['python']}, {m['date'][:10]}", fontsize=8, x=0.01, ha="left")
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)


def _parse_size(text: str) -> int:
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    return int(float(t) * mult)


def _normalize_only(log) -> int:
    """Measure the normalisers and rewrite only their section of RESULTS.md (the other
    sections keep the figures of the last full run)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    results["normalize"] = measure_normalize(log)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))
    lines = normalize_lines(results["normalize"])
    log("\n".join(lines))
    current = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else "# Benchmarks\n"
    RESULTS_MD.write_text(replace_section(current, NORMALIZE_TITLE, lines), encoding="utf-8")
    log(f"wrote the {NORMALIZE_TITLE[3:]} section of {RESULTS_MD.relative_to(PROJECT_ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=None, help="comma-separated sizes, e.g. 1k,10k,100k,1M (default: all four)")
    parser.add_argument("--quick", action="store_true", help="1k and 10k only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-pipeline", action="store_true", help="skip the whole-pipeline figures on the real dataset")
    parser.add_argument("--pipeline-only", action="store_true", help="only the whole-pipeline figures")
    parser.add_argument("--profile", dest="do_profile", action="store_true", default=None,
                        help=f"profile the cleaning at {PROFILE_SIZE:,} records (default: when that size is run)")
    parser.add_argument("--no-profile", dest="do_profile", action="store_false")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results instead of merging with them")
    parser.add_argument("--no-normalize", action="store_true", help="skip the normalisers' figures")
    parser.add_argument("--normalize-only", action="store_true",
                        help="only the normalisers' figures; rewrites only their section of RESULTS.md")
    parser.add_argument("--timeout", type=float, default=STEP_TIMEOUT_S, help="seconds before a step is stopped (default: %(default)s)")
    # child mode
    parser.add_argument("--step", choices=["generate", *STEPS], help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--records", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", dest="profile", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        return child_main(args)

    def log(msg: str, end: str = "\n") -> None:
        print(msg, end=end, flush=True)

    sizes = QUICK_SIZES if args.quick else tuple(_parse_size(s) for s in args.sizes.split(",")) if args.sizes else DEFAULT_SIZES
    if args.pipeline_only:
        sizes = ()
    if args.normalize_only:
        return _normalize_only(log)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results = {"sizes": {}, "pipeline": {}, "profile": {}}
    if RESULTS_JSON.exists() and not args.fresh:
        try:
            results.update(json.loads(RESULTS_JSON.read_text()))
        except json.JSONDecodeError:
            pass
    results["machine"] = machine()
    log(f"SYNTHETIC benchmarks on {results['machine']['cpu']} ({results['machine']['cores']} cores, "
        f"{results['machine']['memory_gib']} GiB), Python {results['machine']['python']}")

    def save() -> None:
        RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))

    for n in sizes:
        results["sizes"][str(n)] = measure_size(n, args.seed, args.timeout, log)
        e = results["sizes"][str(n)]
        log("")
        log("\n".join(size_table(e)))
        save()
    if len(results["sizes"]) > 1 and sizes:
        log("\nGrowth (time ratio between successive sizes; n^1.00 is linear):")
        log("\n".join(growth_table(results["sizes"])))

    do_profile = args.do_profile if args.do_profile is not None else PROFILE_SIZE in sizes
    if do_profile:
        sys.path.insert(0, str(BENCH_DIR))
        import synthetic

        root = synthetic.default_root(PROFILE_SIZE, args.seed)
        log(f"\n== profile of the cleaning at {PROFILE_SIZE:,} records (pyinstrument) ==")
        gen = run_child("generate", root, records=PROFILE_SIZE, seed=args.seed, timeout=args.timeout)
        prof = run_child("build", root, profile=PROFILE_HTML, timeout=args.timeout) if gen.get("ok") else gen
        prof["measured"] = dt.datetime.now().isoformat(timespec="seconds")
        prof["code"] = code_state()
        results["profile"] = prof
        if prof.get("ok"):
            log("\n".join(profile_lines(prof)))
        else:
            log(f"  not measured: {prof.get('error')}")
        save()

    if not args.no_pipeline:
        results["pipeline"] = measure_pipeline(log)
        results.setdefault("pipeline_history", []).append(_pipeline_summary(results["pipeline"]))
        log("")
        log("\n".join(pipeline_table(results["pipeline"])))
        save()

    if not args.no_normalize and not args.pipeline_only:
        results["normalize"] = measure_normalize(log)
        log("\n".join(normalize_lines(results["normalize"])))
        save()

    log("\nTargets:")
    log("\n".join(targets(results)))
    RESULTS_MD.write_text(write_markdown(results) + "\n", encoding="utf-8")
    try:
        plot(results, SCALING_PNG)
    except Exception as exc:  # noqa: BLE001 - the table matters more than the plot
        log(f"plot: not drawn: {type(exc).__name__}: {exc}")
    log(f"\nwrote {RESULTS_MD.relative_to(PROJECT_ROOT)}, {SCALING_PNG.relative_to(PROJECT_ROOT)} and {RESULTS_JSON.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
