"""A disk cache for the normalisers' built tables (the gazetteer, the vocabulary).

Each cached object is a pickle named ``<name>-<key>.pickle`` where the key hashes
everything the object is built from, so a stale file is never read: a changed input is
another file name. Writers write a temporary file and rename it into place (atomic on
POSIX), so concurrent builds never read half a file; a file that cannot be read
(truncated, corrupt, from another Python) is rebuilt and replaced; a folder that cannot
be written only costs the rebuild next time.

The folder is ``<config.CACHE_DIR>/normalize``: ``$COERCION_CACHE_DIR/normalize`` when that
variable is set, else ``build/cache/normalize``.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable



def default_cache_dir() -> Path:
    from analysis import config

    return Path(config.CACHE_DIR) / "normalize"


def input_key(files: Iterable[Path], libraries: Iterable[str] = (), extra: Iterable[str] = ()) -> str:
    """Hash of the bytes of ``files``, the installed versions of ``libraries`` and ``extra`` text."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for path in files:
        h.update(str(Path(path).name).encode() + b"\0" + Path(path).read_bytes())
    for lib in libraries:
        try:
            h.update(f"{lib}={version(lib)}".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=none".encode())
    for text in extra:
        h.update(text.encode())
    return h.hexdigest()[:24]


def read(path: Path) -> Any | None:
    """The object pickled at ``path``, or None when there is none or it cannot be read."""
    try:
        with open(path, "rb") as fh:
            # Tens of thousands of small dicts: collecting garbage while they are created
            # triples the load time, and none of them is garbage.
            enabled = gc.isenabled()
            gc.disable()
            try:
                return pickle.load(fh)
            finally:
                if enabled:
                    gc.enable()
    except Exception:  # noqa: BLE001 - missing, truncated or foreign: rebuilt by the caller
        return None


def write(path: Path, obj: Any) -> None:
    """Pickle ``obj`` to ``path`` atomically; silently nothing when the folder is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
            os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass


def load_or_build(name: str, key: str, build: Callable[[], Any], valid: Callable[[Any], bool],
                  cache_dir: Path | str | None = None) -> Any:
    """The cached ``name`` of this ``key``, else ``build()`` (and cache it)."""
    path = Path(cache_dir if cache_dir is not None else default_cache_dir()) / f"{name}-{key}.pickle"
    obj = read(path)
    if obj is not None and valid(obj):
        return obj
    obj = build()
    write(path, obj)
    return obj
