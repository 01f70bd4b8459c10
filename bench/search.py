"""Time photo_search on MariaDB/MySQL as a library grows from 1,000 to 100,000 photos.

    .venv/bin/python bench/search.py [--sizes 1000,10000,100000] [--runs 7] [--keep]
                                     [--explain] [--database-url mysql://...]
                                     [--extra-labels 40000]

The script creates a dedicated database (default
``mysql://root@127.0.0.1:3306/imagesite_search_bench``, not bench/scale.py's
``imagesite_bench``; the name must contain "bench", because the script drops and recreates
it), migrates it with Django's ``migrate`` and fills it incrementally:
up to the first size, measure, add photos up to the next size, measure, and so on. At
100,000 photos there are about 1,000,000 photo-label rows.

The library is meant to look like a real one:

* 6 users; the searching user owns ~70% of the photos, the others share the rest;
* photos come in albums of 20-300 (a trip, a month at home), each album with its own
  place and a few weeks of dates; dates cover 2015-2025; ~10% have no EXIF (no date,
  no camera) and ~1% are still uploading (which search excludes);
* each user has a few cameras (phones and cameras, makes and models as EXIF spells them);
* ~40% have GPS (phones mostly), clustered around a handful of places (home dominates);
* 3,000 label names with a Zipf-like frequency (s=1), 5-15 distinct labels per processed
  photo (~10 on average), plus detected-text lines on ~5% of photos.

Rows are written with raw multi-row INSERTs (``executemany`` in batches, foreign-key and
unique checks off for the session), so filling 100,000 photos takes well under a few
minutes on 2 cores.

The queries (the same criteria at every size): one label prefix ("bea": Beach, Bear, …),
two labels, a label within three years, a camera ("iphone"), near home within 10 km,
has-a-location within one album (the searcher's biggest album of the first fill, so it
does not grow), a combination (label, camera, location, dates), a rare label (~0.05% of
photos), detected text ("miramar", matched anywhere in a line) and the search cost's bound:
66 two-letter label prefixes, of which the form keeps the first MAX_TERMS (6), each
standing for at most MAX_LABELS_PER_TERM (1,000) labels. ``--extra-labels 40000`` adds
names no photo has, as a label table grows over years, so every prefix matches hundreds.

For each size and each query the search page's work is timed: ``photo_search(...)``
wrapped in ``CappedPaginator(..., ALBUM_PAGE_SIZE).get_page(1)`` as the search page does,
then the first page's objects evaluated. Criteria come from ``SearchForm.cleaned_data``
exactly as the view builds them. One warm-up run, then the median of ``--runs``. The
view's grid-rendition prefetch (one more query, by primary keys) is left out.

The table shows milliseconds per size, the number of results, and the growth ratio
t(largest)/t(smallest) per query and overall (the ratio of the summed medians, and the
geometric mean of the per-query ratios). The target is a ratio below 3 for 100 times
the photos. A second table splits the time at the smallest and largest size into the
exact count and the first page, and the count capped at 1,000 that the search page runs
(with several label terms it reads the ids up to the cap instead and serves its pages from
them; the first table already includes the cap either way). ``--explain``
prints MariaDB's EXPLAIN of each query's count and page SQL at the largest size.

The database is dropped at the end unless ``--keep`` is given (it is recreated from
scratch on every run either way). The exit status is 1 when a ratio misses the target.
The server's innodb_buffer_pool_size is printed first: at 100,000 photos the tables and
indexes take ~350 MB, so with MariaDB's default 128 MiB, plans that touch much more than
the search's own indexes read from disk and the timings say so.

The parts: search_fill.py (the library), search_queries.py (the queries and their timing),
search_report.py (the tables); common.py holds what the benchmarks share.
"""

from __future__ import annotations

import argparse
import os
import sys

from common import ROOT, database_name, drop_database, recreate_database
from search_fill import Library
from search_queries import (
    criteria_for,
    explain,
    innodb_reads,
    queries,
    run_search,
    time_parts,
    time_query,
)
from search_report import print_parts, print_results

sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/imagesite_search_bench"
DEFAULT_SIZES = "1000,10000,100000"
SEED = 20240701
MARKER = "bench"  # the database's name must contain it: the benchmark drops the database


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"library sizes in photos, ascending, comma-separated (default {DEFAULT_SIZES})",
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query (median)")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN for every query at the last size"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"the benchmark database (default {DEFAULT_DATABASE_URL}; env BENCH_DATABASE_URL)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--extra-labels",
        type=int,
        default=0,
        help="label names no photo has, on top of the 3,000 (a large label table)",
    )
    args = parser.parse_args()
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes integers, e.g. 1000,10000,100000")
    if not args.sizes or args.sizes != sorted(set(args.sizes)) or args.sizes[0] < 100:
        parser.error("--sizes must be ascending, distinct and at least 100")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


# --- The database -------------------------------------------------------------------


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["IMAGESITE_READ_DOTENV"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijkl")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
    os.environ["EMBEDDED_WORKER_AUTOSTART"] = "0"
    os.environ.setdefault("DRAMATIQ_PROMETHEUS", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- Main -----------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    recreate_database(args.database_url, MARKER)
    try:
        setup_django(args.database_url)
        return bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"\nkept database {database_name(args.database_url, MARKER)}")
        else:
            drop_database(args.database_url, MARKER)


def bench(args) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
        version, pool = cursor.fetchone()
    print(f"server {version}, innodb_buffer_pool_size {pool // 2**20} MiB")

    library = Library(args.seed, extra_labels=args.extra_labels)
    print(f"labels: {3000 + args.extra_labels:,} names (+ text lines)")
    results: dict[str, dict[int, tuple[float, int]]] = {}
    parts: dict[str, dict[int, tuple[float, float, float]]] = {}
    names = []
    for size in args.sizes:
        took = library.grow_to(size)
        reads = innodb_reads()
        for _name, params in queries(library):  # a warm pass over every query first
            run_search(library.searcher, criteria_for(library.searcher, params))
        for name, params in queries(library):
            if name not in results:
                names.append(name)
                results[name] = {}
            criteria = criteria_for(library.searcher, params)
            results[name][size] = time_query(library.searcher, criteria, args.runs)
            if size in (args.sizes[0], args.sizes[-1]):
                parts.setdefault(name, {})[size] = time_parts(library.searcher, criteria, args.runs)
        print(
            f"filled to {library.photos:,} photos, {library.photo_labels:,} photo labels "
            f"in {took:.1f} s; pages read from disk while searching: {innodb_reads() - reads:,}"
        )

    met = print_results(names, results, args.sizes, args.runs)
    if len(args.sizes) > 1:
        print_parts(names, parts, args.sizes[0], args.sizes[-1])

    if args.explain:
        for name, params in queries(library):
            explain(library.searcher, name, criteria_for(library.searcher, params))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
