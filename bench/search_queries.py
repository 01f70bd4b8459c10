"""bench/search.py's queries and how they are timed, as the search page runs them.

The same criteria at every size, built by ``SearchForm`` as the view builds them; each
timed as ``photo_search`` and the first page of ``CappedPaginator`` (one warm-up, then
the median), or split into the exact count, the page and a capped count.
"""

from __future__ import annotations

import re
import statistics
import time

from search_fill import PLACES, RARE_LABELS, Library

COUNT_CAP = 1000


def queries(library: Library) -> list[tuple[str, dict]]:
    album = str(library.first_album.pk)
    berlin = PLACES[0]
    rare = min(RARE_LABELS, key=lambda w: abs(library.label_names.index(w) - 2000))
    return [
        ("one label prefix", {"q": "bea"}),
        ("two labels", {"q": "dog beach"}),
        ("label + date range", {"q": "bea", "date_from": "2018-01-01", "date_to": "2020-12-31"}),
        ("camera", {"camera": "iphone"}),
        ("near lat/lon 10 km", {"lat": berlin[1], "lon": berlin[2], "radius_km": 10}),
        ("has_location + album", {"has_location": "on", "album": album}),
        (
            "combination",
            {
                "q": "dog",
                "camera": "iphone",
                "has_location": "on",
                "date_from": "2016-01-01",
                "date_to": "2022-12-31",
            },
        ),
        (f"rare label ({rare.lower()})", {"q": rare.lower()}),
        ("text in the photo", {"text": "miramar"}),
        # The probe's hostile search: as many label words as the form takes (66 two-letter
        # prefixes); the form keeps the first MAX_TERMS and says so.
        ("66 label prefixes", {"q": " ".join(many_prefixes(library, 66))}),
    ]


def many_prefixes(library: Library, count: int) -> list[str]:
    """Distinct two-letter starts of the library's label names, most common labels first."""
    starts = dict.fromkeys(name[:2].lower() for name in library.label_names if name[:2].isalpha())
    return list(starts)[:count]


def criteria_for(user, params: dict) -> dict:
    from albums.search import SearchForm

    form = SearchForm({k: str(v) for k, v in params.items()}, user=user)
    if not form.has_criteria:
        raise SystemExit(f"the search form rejects {params}: {form.errors.as_text()}")
    return form.cleaned_data


def run_search(user, criteria: dict) -> int:
    from django.conf import settings

    from albums.search import CappedPaginator, photo_search
    from albums.views import SEARCH_COUNT_CAP

    results = photo_search(user=user, criteria=criteria)
    paginator = CappedPaginator(results, settings.ALBUM_PAGE_SIZE, cap=SEARCH_COUNT_CAP)
    page = paginator.get_page(1)
    list(page.object_list)
    return page.paginator.count


def time_query(user, criteria: dict, runs: int) -> tuple[float, int]:
    count = run_search(user, criteria)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run_search(user, criteria)
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def time_parts(user, criteria: dict, runs: int) -> tuple[float, float, float]:
    """The exact count, the first page alone, and the capped count (COUNT_CAP + 1 rows)."""
    from django.conf import settings

    from albums.search import photo_search

    def results():
        return photo_search(user=user, criteria=criteria)

    return (
        median_ms(lambda: results().count_upto(None), runs),
        median_ms(lambda: results()[: settings.ALBUM_PAGE_SIZE], runs),
        median_ms(lambda: results().count_upto(COUNT_CAP + 1), runs),
    )


def innodb_reads() -> int:
    """Buffer-pool misses so far (server-wide): pages InnoDB had to read from disk."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'")
        return int(cursor.fetchone()[1])


def explain(user, name: str, criteria: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run_search(user, criteria)
    print(f"\n--- {name}")
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            sql = query["sql"]
            shown = (
                re.sub(r"^SELECT .*? FROM", "SELECT … FROM", sql) if "COUNT(" not in sql else sql
            )
            print(shown)
            cursor.execute("EXPLAIN " + sql)
            head = [c[0] for c in cursor.description]
            keep = [
                head.index(c)
                for c in ("id", "select_type", "table", "type", "key", "key_len", "rows", "Extra")
                if c in head
            ]
            for row in cursor.fetchall():
                print("   ", " | ".join(str(row[i]) for i in keep))
