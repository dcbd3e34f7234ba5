"""Benchmark: render the demo agreement and write it as .docx, N times in one process.

    .venv/bin/python bench/agreement_docx.py [N] [--fresh]     # N defaults to 200

The same agreement N times: its clauses are rendered once and then kept by the library
(app/agreements/document.py); with --fresh the keep is emptied before each document, as for a
document whose values were never seen before.

Prints the median and 95th percentile per document (render + Word), documents per second,
the size of one file and the peak memory of the process. Not a test: timings depend on the
machine, so nothing asserts on them.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.agreements.document import default_draft, render  # noqa: E402
from app.agreements.docx_writer import to_docx  # noqa: E402
from app.agreements.library import load_library  # noqa: E402
from app.agreements.samples import DEMO_VALUES  # noqa: E402


def one(library, draft) -> bytes:
    doc = render(library, draft)
    return to_docx(
        doc,
        title=f"Social partnerskabsaftale – {draft.values['project_name']}",
        subject="Social partnerskabsaftale",
        author="Byg Op",
        version_label="Version 1",
        project_name=draft.values["project_name"],
    )


def main(argv: list[str]) -> None:
    fresh = "--fresh" in argv  # every clause rendered anew, as for values never seen before
    numbers = [arg for arg in argv[1:] if arg.isdigit()]
    runs = int(numbers[0]) if numbers else 200
    library = load_library()
    draft = default_draft(library, **DEMO_VALUES)
    for choice in draft.clauses:
        choice.enabled = True  # the longest agreement the library can make (~5 pages)

    started = time.perf_counter()
    first = one(library, draft)  # includes building the base document once
    cold_ms = (time.perf_counter() - started) * 1000

    timings = []
    cpu_started = time.process_time()
    for _ in range(runs):
        if fresh:
            library.rendered.clear()
        started = time.perf_counter()
        one(library, draft)
        timings.append(time.perf_counter() - started)
    cpu_ms = (time.process_time() - cpu_started) / runs * 1000
    timings.sort()
    median_ms = statistics.median(timings) * 1000
    p95_ms = timings[int(0.95 * (len(timings) - 1))] * 1000

    tracemalloc.start()
    one(library, draft)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    kept = "every clause rendered anew" if fresh else "the clauses kept after the first"
    print(f"documents:        {runs} (+1 cold, {cold_ms:.1f} ms incl. building the base; {kept})")
    print(f"median:           {median_ms:.2f} ms per document")
    print(f"p95:              {p95_ms:.2f} ms per document")
    # CPU time of this process: steadier than the wall clock on a machine shared with others.
    print(f"cpu:              {cpu_ms:.2f} ms per document (mean)")
    print(f"throughput:       {1000 / median_ms:.0f} documents per second (one core)")
    print(f"file size:        {len(first) / 1024:.1f} KiB")
    print(f"peak per document (tracemalloc): {traced_peak / 1024:.0f} KiB")
    print(f"peak process RSS: {rss_mb:.1f} MiB")


if __name__ == "__main__":
    main(sys.argv)
