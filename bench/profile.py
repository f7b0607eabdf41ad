"""Where parse and ingest spend their time: pyinstrument profiles (``python -m bench --profile``).

Each profile runs in a fresh process and writes ``profile-<stage>-<n>.txt`` into the
results folder: the functions by self time (flat), then the call tree, in percent.
"""

from __future__ import annotations

from pathlib import Path

from .common import fresh_dir, in_child


def _write(profiler: object, path: str, title: str) -> None:
    flat = profiler.output_text(unicode=True, flat=True, time="percent_of_total")  # type: ignore[attr-defined]
    tree = profiler.output_text(unicode=True, time="percent_of_total")  # type: ignore[attr-defined]
    Path(path).write_text(
        f"{title}\n\n## By self time\n{flat}\n## Call tree\n{tree}", encoding="utf-8"
    )


def profile_parse(pages: str, path: str) -> dict:
    """Child: parse every page under pyinstrument."""
    from pyinstrument import Profiler

    from atlas_kg.parse import iter_page_files, parse_file

    files = list(iter_page_files([pages]))
    profiler = Profiler(interval=0.001)
    profiler.start()
    for file in files:
        parse_file(file)
    profiler.stop()
    _write(profiler, path, f"parse: {len(files)} pages from {pages}")
    return {}


def profile_ingest(pages: str, store_dir: str, path: str) -> dict:
    """Child: ingest every page into a new on-disk store under pyinstrument."""
    from pyinstrument import Profiler

    from atlas_kg.ingest import ingest
    from atlas_kg.store import EmbeddedStore

    profiler = Profiler(interval=0.001)
    profiler.start()
    store = EmbeddedStore(store_dir)
    ingest(store, [pages])
    store.close()
    profiler.stop()
    _write(profiler, path, f"ingest: {pages} into a new store on disk")
    return {}


def run(pages: str, work: Path, out: Path, n: int) -> dict[str, str]:
    """Profile parse and ingest of ``pages``; stage → profile file."""
    files = {
        "parse": str(out / f"profile-parse-{n}.txt"),
        "ingest": str(out / f"profile-ingest-{n}.txt"),
    }
    in_child(profile_parse, pages, files["parse"])
    in_child(profile_ingest, pages, str(fresh_dir(work / "profile-store")), files["ingest"])
    return files
