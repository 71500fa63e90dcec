"""The place gazetteer: built from the boundaries its caller gives, cached on disk."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from analysis.reference import Reference
from analysis.normalize import gazetteer_for, load_gazetteer, place_table, resolve_place
from analysis.normalize import _cache, _gazetteer


# One worker builds the other gazetteer once (seconds) for the whole module.
pytestmark = pytest.mark.xdist_group("gazetteer")


@pytest.fixture(scope="module")
def other_reference(tmp_path_factory):
    """A reference folder whose boundaries rename Sevastopol and mark Kherson occupied
    (its gazetteer is built once for this module, into the cache folder beside it)."""
    return _write_reference(tmp_path_factory.mktemp("gazetteer"))


def _write_reference(tmp_path: Path) -> Path:
    data = json.loads(Path(Reference().boundaries_path).read_text(encoding="utf-8"))
    for feature in data["features"]:
        p = feature["properties"]
        if p["iso_3166_2"] == "UA-40":
            p["name_en"] = "City of Sevastopol"
        if p["iso_3166_2"] == "UA-65":
            p["occupation_status"] = "occupied"
    folder = tmp_path / "reference"
    folder.mkdir()
    (folder / "admin1_ru_ua.geojson").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_the_callers_boundaries_reach_the_resolver(other_reference):
    gaz = gazetteer_for(other_reference, other_reference.parent / "cache")
    assert [(p.name, p.occupation_status) for p in resolve_place("Sebastopol and Kherson", gazetteer=gaz)] == [
        ("City of Sevastopol", "occupied"), ("Kherson", "occupied")]
    assert place_table(["Sevastopol"], gazetteer=gaz).loc[0, "names"] == "City of Sevastopol"
    assert resolve_place("Sevastopol")[0].name == "Sevastopol"  # the project's default is untouched


def test_the_gazetteer_is_cached_under_a_key_of_its_inputs(other_reference):
    path = other_reference / "admin1_ru_ua.geojson"
    gaz = load_gazetteer(path, other_reference.parent / "cache")
    cached = list((other_reference.parent / "cache").glob("gazetteer-*.pickle"))
    assert [c.name for c in cached] == [f"gazetteer-{gaz.key}.pickle"]
    default_key = _gazetteer.gazetteer_key(Path(Reference().boundaries_path))
    assert gaz.key != default_key  # other boundaries, another gazetteer


def test_a_corrupt_cache_file_is_rebuilt(other_reference):
    path = other_reference / "admin1_ru_ua.geojson"
    first = load_gazetteer(path, other_reference.parent / "cache")
    cached = other_reference.parent / "cache" / f"gazetteer-{first.key}.pickle"
    whole = cached.read_bytes()
    cached.write_bytes(whole[:1000])  # truncated, as by a full disk
    assert _cache.read(cached) is None
    builds = []
    again = _cache.load_or_build("gazetteer", first.key, lambda: builds.append(1) or first,
                                 lambda g: g.key == first.key, cached.parent)
    assert builds == [1] and again is first
    assert _cache.read(cached).key == first.key  # replaced by a whole file


def _write_many(path: str, n: int) -> None:
    for i in range(n):
        _cache.write(Path(path), {"writer": os.getpid(), "payload": list(range(20_000))})


def test_concurrent_writers_never_leave_half_a_file(tmp_path):
    target = tmp_path / "shared.pickle"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_write_many, args=(str(target), 20)) for _ in range(3)]
    for w in workers:
        w.start()
    seen = 0
    while any(w.is_alive() for w in workers):
        obj = _cache.read(target)
        if obj is not None:
            assert len(obj["payload"]) == 20_000
            seen += 1
    for w in workers:
        w.join()
        assert w.exitcode == 0
    assert _cache.read(target)["payload"][-1] == 19_999
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unwritable_cache_folder_only_costs_the_rebuild(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    built = _cache.load_or_build("thing", "k", lambda: {"x": 1}, lambda o: True, cache_dir=blocker / "sub")
    assert built == {"x": 1}
