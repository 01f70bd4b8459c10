"""Time photo_search on MariaDB/MySQL as a library grows from 1,000 to 100,000 photos.

    .venv/bin/python bench/search.py [--sizes 1000,10000,100000] [--runs 7] [--keep]
                                     [--explain] [--database-url mysql://...]

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
photos) and detected text ("miramar", matched anywhere in a line).

For each size and each query the search page's work is timed: ``photo_search(...)``
wrapped in ``CappedPaginator(..., ALBUM_PAGE_SIZE).get_page(1)`` as the search page does,
then the first page's objects evaluated. Criteria come from ``SearchForm.cleaned_data``
exactly as the view builds them. One warm-up run, then the median of ``--runs``. The
view's grid-rendition prefetch (one more query, by primary keys) is left out.

The table shows milliseconds per size, the number of results, and the growth ratio
t(largest)/t(smallest) per query and overall (the ratio of the summed medians, and the
geometric mean of the per-query ratios). The target is a ratio below 3 for 100 times
the photos. A second table splits the time at the smallest and largest size into the
exact count and the first page, and what a count capped at 1,000 costs (the search page
stops counting at 1,000, so the first table already includes the cap). ``--explain``
prints MariaDB's EXPLAIN of each query's count and page SQL at the largest size.

The database is dropped at the end unless ``--keep`` is given (it is recreated from
scratch on every run either way). The exit status is 1 when a ratio misses the target.
The server's innodb_buffer_pool_size is printed first: at 100,000 photos the tables and
indexes take ~350 MB, so with MariaDB's default 128 MiB, plans that touch much more than
the search's own indexes read from disk and the timings say so.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/imagesite_search_bench"
DEFAULT_SIZES = "1000,10000,100000"
TARGET_RATIO = 3.0
COUNT_CAP = 1000
SEED = 20240701

SEARCHER_SHARE = 0.70
OTHER_USERS = 5
LABEL_NAMES = 3000
ZIPF_S = 1.0
TEXT_SHARE = 0.05
BATCH_PHOTOS = 5000
YEARS = (2015, 2025)

# The most frequent labels, in rank order, roughly as a label detector reports them.
COMMON_LABELS = """
Person Outdoors Nature Plant Tree Sky Building Architecture Human Face Portrait Clothing
Water Urban City Landscape Scenery Grass Food Vegetation Smile Road Car Vehicle Animal
Transportation Dog Pet Canine Beach Sea Ocean Cloud Mountain Sunlight Street Town Flower
Blossom Table Furniture Chair Indoors Room House Window Field Sand Shoreline Coast Child
Boy Girl Baby Crowd Art Painting Sculpture Statue Church Tower Bridge River Lake Forest
Park Garden Snow Winter Ice Rock Hill Sunset Dawn Night Light Lamp Shop Market Restaurant
Cafe Drink Coffee Cup Bottle Wine Beer Dish Meal Bread Fruit Vegetable Cake Dessert Cat
Kitten Bird Horse Cow Sheep Boat Ship Harbor Train Railway Bicycle Motorcycle Bus Airplane
Airport Road Sign Text Poster Book Phone Computer Screen Bed Bedroom Kitchen Bathroom
Shoe Hat Glasses Bag Jacket Dress Shirt Jeans Sport Football Ball Stadium Pool Swimming
Hiking Camping Tent Fire Bonfire Festival Concert Stage Party Wedding Bride Groom Cloud
Bear Beard Bean Beam Bead Beagle Beaver Beacon Beak
""".split()
MODIFIERS = """
Red Blue Green Yellow White Black Old New Small Large Wooden Stone Metal Glass Modern
Ancient Wild Urban Rural Tropical Frozen Wet Dry Bright Dark Tall Short Round Square
Busy Quiet Empty Crowded Public Private Coastal Alpine Desert Night Morning Evening
""".split()
# Single-word labels for the long tail, spread among the modifier combinations.
RARE_LABELS = """
Narwhal Accordion Tuba Origami Kayak Lighthouse Windmill Cactus Flamingo Hedgehog Igloo
Jellyfish Kimono Lantern Mosaic Nebula Octopus Pagoda Quill Rickshaw Saxophone Totem
Ukulele Volcano Walrus Xylophone Yurt Zeppelin Anchor Bagpipe Carousel Dolmen Easel Fjord
Gazebo Harp Iceberg Jukebox Kiln Loom Minaret Obelisk Periscope Quarry Sextant Trebuchet
""".split()
# Detected-text lines (signs, shop fronts): what "text in the photo" searches.
TEXT_FIRST = "HOTEL CAFE BAR STOP EXIT SALE OPEN PLATZ STRASSE VIA RUE AVENIDA".split()
TEXT_SECOND = """
MIRAMAR CENTRAL ROMA BERLIN LISBOA NORD SUD 1 2 24 PARK MARKT BAHNHOF KIOSK POST APOTHEKE
BANK BAKERY PIZZA DOUANE TABACCHI FARMACIA MUSEO PLAYA ZENTRUM
""".split()
TEXT_LINES = [f"{a} {b}" for a in TEXT_FIRST for b in TEXT_SECOND]

# (name, latitude, longitude, weight, spread in km): home dominates, then trips.
PLACES = [
    ("Berlin", 52.5200, 13.4050, 0.55, 6.0),
    ("Potsdam", 52.3906, 13.0645, 0.10, 3.0),
    ("Tuscany", 43.4674, 11.8851, 0.10, 8.0),
    ("Barcelona", 41.3874, 2.1686, 0.08, 4.0),
    ("Alps", 47.2692, 11.4041, 0.07, 10.0),
    ("Lisbon", 38.7223, -9.1393, 0.05, 4.0),
    ("New York", 40.7128, -74.0060, 0.05, 5.0),
]
# (make, model, is_phone, lens, focal lengths)
CAMERAS = [
    ("Apple", "iPhone 12", True, "iPhone 12 back dual wide camera 4.2mm f/1.6", (4.2, 1.55)),
    (
        "Apple",
        "iPhone 15 Pro",
        True,
        "iPhone 15 Pro back triple camera 6.86mm f/1.78",
        (6.86, 2.22, 9.0),
    ),
    ("Google", "Pixel 7", True, "", (6.81,)),
    ("samsung", "SM-G991B", True, "", (5.4, 2.2)),
    ("Canon", "Canon EOS 40D", False, "EF-S17-85mm f/4-5.6 IS USM", (17.0, 35.0, 85.0)),
    ("NIKON", "COOLPIX P6000", False, "", (6.0, 24.0)),
    ("SONY", "ILCE-7M3", False, "FE 24-105mm F4 G OSS", (24.0, 50.0, 105.0)),
    ("FUJIFILM", "X-T30", False, "XF18-55mmF2.8-4 R LM OIS", (18.0, 35.0, 55.0)),
]
SEARCHER_CAMERAS = [(0, 0.45), (1, 0.20), (4, 0.20), (5, 0.05), (2, 0.10)]
GPS_CHANCE = {True: 0.70, False: 0.04}


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


def server_connection(url: str):
    import MySQLdb

    parts = urlsplit(url)
    return MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        charset="utf8mb4",
    )


def database_name(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme.startswith("mysql"):
        raise SystemExit(f"--database-url must be a mysql:// URL, not {url!r}")
    name = parts.path.lstrip("/")
    if "bench" not in name or not name.replace("_", "").isalnum():
        raise SystemExit(
            f"refusing to (re)create and drop database {name!r}: its name must "
            "contain 'bench' (the benchmark drops it)"
        )
    return name


def create_database(url: str) -> None:
    name = database_name(url)
    conn = server_connection(url)
    try:
        cursor = conn.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()


def drop_database(url: str) -> None:
    name = database_name(url)
    conn = server_connection(url)
    try:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


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


# --- The library --------------------------------------------------------------------


class Library:
    """Generates and inserts users, albums, photos and labels, incrementally."""

    def __init__(self, seed: int):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from albums.models import Label, Photo, PhotoLabel

        self.rng = random.Random(seed)
        self.connection = connection
        self.Photo, self.PhotoLabel = Photo, PhotoLabel
        self.photos = 0
        self.photo_labels = 0
        self.first_album = None  # the searcher's biggest album of the first fill

        User = get_user_model()
        self.searcher = User.objects.create_user(
            username="searcher", email="searcher@example.com", password=None
        )
        self.others = [
            User.objects.create_user(username=f"user{i}", email=f"user{i}@example.com")
            for i in range(OTHER_USERS)
        ]
        self.user_cameras = {self.searcher.pk: SEARCHER_CAMERAS}
        for user in self.others:
            picks = self.rng.sample(range(len(CAMERAS)), 2)
            self.user_cameras[user.pk] = [(picks[0], 0.7), (picks[1], 0.3)]

        names = list(dict.fromkeys(COMMON_LABELS))
        tail = [f"{m} {n}" for m in MODIFIERS for n in names if m != n]
        self.rng.shuffle(tail)
        tail = tail[: LABEL_NAMES - len(names) - len(RARE_LABELS)]
        step = len(tail) // len(RARE_LABELS)
        for i, word in enumerate(RARE_LABELS):
            tail.insert(i * (step + 1) + step // 2, word)
        names = names + tail
        Label.objects.bulk_create([Label(name=n) for n in names + TEXT_LINES], batch_size=2000)
        ids = dict(Label.objects.values_list("name", "id"))
        self.label_names = names
        self.label_ids = [ids[n] for n in names]
        self.text_ids = [ids[n] for n in TEXT_LINES]
        weights = [1 / (rank**ZIPF_S) for rank in range(1, len(names) + 1)]
        total = sum(weights)
        self.label_cum = [s / total for s in _running_sum(weights)]

        self.photo_insert = self._insert_statement(Photo)
        self.label_insert = self._insert_statement(PhotoLabel)

    def _insert_statement(self, model):
        """INSERT for every concrete column, with each field's default where we set none."""
        fields = [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key or f.get_internal_type() not in ("AutoField", "BigAutoField")
        ]
        columns = ", ".join(self.connection.ops.quote_name(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table = self.connection.ops.quote_name(model._meta.db_table)
        defaults = []
        for f in fields:
            value = f.get_default()
            defaults.append(f.get_db_prep_save(value, self.connection))
        return {
            "sql": f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
            "attnames": [f.attname for f in fields],
            "defaults": defaults,
        }

    @staticmethod
    def _row(statement, values: dict) -> tuple:
        return tuple(
            values[a] if a in values else d
            for a, d in zip(statement["attnames"], statement["defaults"], strict=True)
        )

    def grow_to(self, size: int) -> float:
        from albums.models import Album

        start = time.perf_counter()
        rng = self.rng
        plan = []  # (album, owner, count)
        remaining = size - self.photos
        while remaining > 0:
            owner = self.searcher if rng.random() < SEARCHER_SHARE else rng.choice(self.others)
            count = min(remaining, int(rng.triangular(20, 300, 60)))
            plan.append((Album(owner=owner, title=f"Album {len(plan)}"), owner, count))
            remaining -= count
        Album.objects.bulk_create([a for a, _, _ in plan], batch_size=1000)
        if self.first_album is None:
            mine = [(c, a) for a, o, c in plan if o == self.searcher]
            self.first_album = max(mine, key=lambda t: t[0])[1]

        photo_rows, label_rows = [], []
        cursor = self.connection.cursor()
        cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
        for album, owner, count in plan:
            self._album_rows(album, owner, count, photo_rows, label_rows)
            if len(photo_rows) >= BATCH_PHOTOS:
                self._flush(cursor, photo_rows, label_rows)
        self._flush(cursor, photo_rows, label_rows)
        cursor.execute("SET SESSION foreign_key_checks = 1, unique_checks = 1")
        for model in (self.Photo, self.PhotoLabel, Album):
            cursor.execute(f"ANALYZE TABLE {self.connection.ops.quote_name(model._meta.db_table)}")
            cursor.fetchall()
        cursor.close()
        return time.perf_counter() - start

    def _flush(self, cursor, photo_rows, label_rows):
        if not photo_rows:
            return
        from django.db import transaction

        with transaction.atomic():
            for i in range(0, len(photo_rows), 1000):
                cursor.executemany(self.photo_insert["sql"], photo_rows[i : i + 1000])
            label_rows.sort(key=lambda r: r[0])  # index locality: by photo
            for i in range(0, len(label_rows), 5000):
                cursor.executemany(self.label_insert["sql"], label_rows[i : i + 5000])
        self.photos += len(photo_rows)
        self.photo_labels += len(label_rows)
        photo_rows.clear()
        label_rows.clear()

    def _album_rows(self, album, owner, count, photo_rows, label_rows):
        rng = self.rng
        Status, Moderation = self.Photo.Status, self.Photo.Moderation
        first = datetime(YEARS[0], 1, 1, tzinfo=UTC).timestamp()
        last = datetime(YEARS[1], 12, 31, tzinfo=UTC).timestamp()
        album_start = rng.uniform(first, last - 40 * 86400)
        album_days = rng.choice((1, 2, 3, 7, 14, 30))
        place = rng.choices(PLACES, weights=[p[3] for p in PLACES])[0]
        cameras = self.user_cameras[owner.pk]
        native_uuid = self.connection.features.has_native_uuid_field
        for _ in range(count):
            photo_id = uuid.uuid4()
            pid = str(photo_id) if native_uuid else photo_id.hex
            taken = datetime.fromtimestamp(
                album_start + rng.uniform(0, album_days * 86400), UTC
            ).replace(microsecond=0, tzinfo=None)
            created = taken + timedelta(
                seconds=rng.randint(60, 40 * 86400), microseconds=rng.randint(0, 999_999)
            )
            roll = rng.random()
            status = (
                Status.READY
                if roll < 0.97
                else Status.UPLOADING
                if roll < 0.98
                else Status.FAILED
                if roll < 0.99
                else Status.REJECTED
            )
            values = {
                "id": pid,
                "album_id": str(album.pk) if native_uuid else album.pk.hex,
                "owner_id": owner.pk,
                "original": f"originals/{owner.pk}/{photo_id.hex}.jpg",
                "original_name": f"IMG_{rng.randint(1, 9999):04d}.JPG",
                "claimed_type": "image/jpeg",
                "size": rng.randint(800_000, 12_000_000),
                "status": status.value,
                "moderation": (
                    Moderation.VISIBLE if rng.random() < 0.995 else Moderation.HIDDEN
                ).value,
                "created_at": created,
                "queued_at": created,
                "processing_started_at": created,
                "settled_at": created + timedelta(seconds=5),
                "metadata_done": True,
                "thumbnails_done": True,
                "labels_done": status == Status.READY,
                "format": "JPEG",
                "mime_type": "image/jpeg",
                "sha256": uuid.uuid4().hex + uuid.uuid4().hex,
                "width": 4032,
                "height": 3024,
                "orientation": 1,
            }
            if rng.random() < 0.10:  # a scan or a screenshot: no EXIF at all
                values.update(taken_at=None, camera_make="", camera_model="")
            else:
                index = rng.choices([c for c, _ in cameras], weights=[w for _, w in cameras])[0]
                make, model, phone, lens, focals = CAMERAS[index]
                values.update(
                    taken_at=taken,
                    taken_at_offset="+01:00",
                    camera_make=make,
                    camera_model=model,
                    lens=lens,
                    exposure_time=rng.choice((1 / 30, 1 / 60, 1 / 125, 1 / 250, 1 / 1000)),
                    f_number=rng.choice((1.6, 2.8, 4.0, 5.6, 8.0)),
                    iso=rng.choice((50, 100, 200, 400, 800, 1600)),
                    focal_length=rng.choice(focals),
                )
                if rng.random() < GPS_CHANCE[phone]:
                    spread = place[4] / 111.32
                    lat = place[1] + rng.gauss(0, spread)
                    lon = place[2] + rng.gauss(0, spread / math.cos(math.radians(place[1])))
                    values.update(
                        latitude=round(lat, 6),
                        longitude=round(lon, 6),
                        altitude=round(rng.uniform(0, 400), 1),
                    )
            photo_rows.append(self._row(self.photo_insert, values))
            if status != Status.READY:
                continue
            for label_id in self._pick_labels(rng.randint(5, 15)):
                label_rows.append(self._label_row(pid, label_id, "label"))
            if rng.random() < TEXT_SHARE:
                for label_id in rng.sample(self.text_ids, rng.randint(1, 3)):
                    label_rows.append(self._label_row(pid, label_id, "text"))

    def _label_row(self, pid, label_id, kind):
        values = {
            "photo_id": pid,
            "label_id": label_id,
            "kind": kind,
            "confidence": round(self.rng.uniform(55, 99.9), 2),
            "source": "rekognition",
        }
        return self._row(self.label_insert, values)

    def _pick_labels(self, k: int) -> list[int]:
        picked: dict[int, None] = {}
        cum = self.label_cum
        while len(picked) < k:
            for i in self.rng.choices(range(len(cum)), cum_weights=cum, k=k):
                picked[self.label_ids[i]] = None
        return list(picked)[:k]


def _running_sum(values):
    total = 0.0
    for v in values:
        total += v
        yield total


# --- The queries ----------------------------------------------------------------------


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
    ]


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
    """The exact count, the first page alone, and a count capped at COUNT_CAP (+1 row)."""
    from django.conf import settings

    from albums.search import photo_search

    def results():
        return photo_search(user=user, criteria=criteria)

    return (
        median_ms(lambda: results().count(), runs),
        median_ms(lambda: list(results()[: settings.ALBUM_PAGE_SIZE]), runs),
        median_ms(lambda: results().order_by()[: COUNT_CAP + 1].count(), runs),
    )


def print_parts(names, parts, first: int, last: int) -> None:
    print(
        f"\nwhere the time goes (median ms): the exact count, the first page alone, and for "
        f"comparison a count capped at {COUNT_CAP:,}\n(SELECT COUNT(*) FROM (… LIMIT "
        f"{COUNT_CAP + 1}), which the search page does not do); 'capped ratio' = "
        f"(page + capped) at {last:,} / at {first:,}"
    )
    sizes = (first, last)
    header = f"{'query':28}" + "".join(
        f"{f'count@{s:,}':>15}{f'page@{s:,}':>14}{f'capped@{s:,}':>16}" for s in sizes
    )
    header += f"{'capped ratio':>14}"
    print(header)
    print("-" * len(header))
    for name in names:
        row = f"{name[:28]:28}"
        for size in sizes:
            count, page, capped = parts[name][size]
            row += f"{count:15.2f}{page:14.2f}{capped:16.2f}"
        before, after = parts[name][first], parts[name][last]
        row += f"{(after[1] + after[2]) / (before[1] + before[2]):14.2f}"
        print(row)


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


# --- Main -----------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    create_database(args.database_url)
    try:
        setup_django(args.database_url)
        return bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"\nkept database {database_name(args.database_url)}")
        else:
            drop_database(args.database_url)


def innodb_reads() -> int:
    """Buffer-pool misses so far (server-wide): pages InnoDB had to read from disk."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'")
        return int(cursor.fetchone()[1])


def bench(args) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
        version, pool = cursor.fetchone()
    print(f"server {version}, innodb_buffer_pool_size {pool // 2**20} MiB")

    library = Library(args.seed)
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

    sizes = args.sizes
    first, last = sizes[0], sizes[-1]
    print(f"\nmedian of {args.runs} runs, ms (results found); ratio = t({last:,})/t({first:,})")
    header = f"{'query':28}" + "".join(f"{f'{s:,}':>18}" for s in sizes) + f"{'ratio':>8}"
    print(header)
    print("-" * len(header))
    ratios = []
    for name in names:
        row = f"{name[:28]:28}"
        for size in sizes:
            t, n = results[name][size]
            row += f"{t * 1000:9.2f} ({n:>6,})"
        ratio = results[name][last][0] / results[name][first][0]
        ratios.append(ratio)
        print(row + f"{ratio:8.2f}" + ("" if ratio < TARGET_RATIO else "  !"))
    totals = [sum(results[n][s][0] for n in names) for s in sizes]
    overall = totals[-1] / totals[0]
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print("-" * len(header))
    print(f"{'total':28}" + "".join(f"{t * 1000:9.2f}{'':9}" for t in totals) + f"{overall:8.2f}")
    print(
        f"\noverall growth t({last:,})/t({first:,}): {overall:.2f} (summed medians), "
        f"{geo:.2f} (geometric mean of the per-query ratios); target < {TARGET_RATIO:g}"
    )
    worst = max(zip(ratios, names, strict=True))
    print(f"worst: {worst[1]} at {worst[0]:.2f}")
    if len(sizes) > 1:
        print_parts(names, parts, first, last)

    if args.explain:
        for name, params in queries(library):
            explain(library.searcher, name, criteria_for(library.searcher, params))
    return 0 if overall < TARGET_RATIO and worst[0] < TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
