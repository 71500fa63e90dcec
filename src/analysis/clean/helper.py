"""A second process for the date, place and head-count phrases of a large archive, and
handing freed memory back between the stages of a large build."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

from .readings import warm_up

#: Record files at least this large are read with a helper process for the date, place and count
#: phrases (forking it and loading its gazetteer takes seconds: worth it for bulk imports only).
HELPER_MIN_RAW_BYTES = 32 * 1024 * 1024


class Helper:
    """A second process for the date, place and head-count phrases of a large archive.

    Forked before the records are read, it loads the place gazetteer (seconds of work)
    meanwhile; it then reads the phrases while this process looks for the quotes. It
    runs the same normalisers on the same phrases, only in another process: on a machine
    with two cores the build takes the time of one of the two halves, not of both.
    """

    def __init__(self, boundaries: Path):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        self.pool.submit(warm_up, str(boundaries))

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)

    @classmethod
    def for_archive(cls, raw_dir: Path, boundaries: Path) -> Helper | None:
        """A helper when the record files are large enough to repay its start (and the system can fork)."""
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
            return None
        try:
            size = sum(e.stat().st_size for e in os.scandir(raw_dir / "incidents") if e.is_file())
        except OSError:
            return None
        return cls(boundaries) if size >= HELPER_MIN_RAW_BYTES else None


def return_free_memory() -> None:
    """Hand memory that Python and NumPy have freed back to the system.

    glibc keeps freed memory for reuse; between the stages of a large build that is
    hundreds of MB a stage has let go, held while the next stage allocates its own.
    (Elsewhere than glibc this does nothing.)
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass

