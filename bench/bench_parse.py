"""Parse stage: every page of the atlas read into a record, on one core (pages/s).

Floor, measured in the same run: reading the same files and decoding them to text
(``htmltext.decode``), the part of parsing no parser can avoid.
"""

from __future__ import annotations

import time
from typing import Any

from .common import in_child, per_second, summary

TARGET_PAGES_PER_S = 1000


def parse_pages(pages: str) -> dict[str, Any]:
    """Child: parse every page of the folder (listing the files is not timed)."""
    from atlas_kg.errors import AtlasError
    from atlas_kg.parse import iter_page_files, parse_file

    files = list(iter_page_files([pages]))
    rejected = warnings = 0
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        try:
            record = parse_file(path)
        except AtlasError:
            rejected += 1
        else:
            warnings += len(record.source.warnings)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "pages": len(files), "rejected": rejected,
            "warnings": warnings}  # fmt: skip


def read_pages(pages: str) -> dict[str, Any]:
    """Child: read and decode every page of the folder, nothing more."""
    from atlas_kg.htmltext import decode
    from atlas_kg.parse import iter_page_files

    files = list(iter_page_files([pages]))
    start = time.perf_counter()
    chars = 0
    for path in files:
        text, _ = decode(path.read_bytes(), str(path))
        chars += len(text)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": len(files), "chars": chars}


def run(pages: str, *, repeat: int = 3) -> dict[str, Any]:
    """Parse and the read floor, ``repeat`` times each, interleaved (a busy moment of the
    shared machine then weighs on both alike)."""
    parsed, read = [], []
    for _ in range(repeat):
        read.append(in_child(read_pages, pages))
        parsed.append(in_child(parse_pages, pages))
    count = parsed[0]["pages"]
    seconds = summary([r["seconds"] for r in parsed])
    floor = summary([r["seconds"] for r in read])
    return {
        "pages": count,
        "rejected": parsed[0]["rejected"],
        "warnings": parsed[0]["warnings"],
        "seconds": seconds,
        "pages_per_s": per_second(count, seconds["median"]),
        "cpu_seconds": summary([r["cpu_seconds"] for r in parsed]),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in parsed),
        "read_floor": {
            "seconds": floor,
            "pages_per_s": per_second(count, floor["median"]),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in read),
        },
        "ratio_to_floor": seconds["median"] / floor["median"],
    }
