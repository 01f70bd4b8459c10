"""bench/search.py's library: users, albums, photos and labels that look like a real one.

Library(seed) makes the users, cameras and label names; grow_to(size) adds albums and
photos up to size with raw multi-row INSERTs (see bench/search.py's docstring for the
shape of the data).
"""

from __future__ import annotations

import math
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

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


class Library:
    """Generates and inserts users, albums, photos and labels, incrementally."""

    def __init__(self, seed: int, *, extra_labels: int = 0):
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
        # A large label table (a library that ran for years): names no photo has, spread
        # over the same first letters as the real ones, so every prefix matches hundreds.
        extra = [f"{names[i % len(names)][:2].lower()}{i:06d}" for i in range(extra_labels)]
        Label.objects.bulk_create(
            [Label.named(n) for n in names + TEXT_LINES + extra], batch_size=2000
        )
        self.extra_labels = extra_labels
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
            copies = {  # the photo's, as PhotoLabel keeps them for search
                "owner_id": owner.pk,
                "taken_at": values.get("taken_at"),
                "photo_created_at": created,
            }
            for label_id in self._pick_labels(rng.randint(5, 15)):
                label_rows.append(self._label_row(pid, label_id, "label", copies))
            if rng.random() < TEXT_SHARE:
                for label_id in rng.sample(self.text_ids, rng.randint(1, 3)):
                    label_rows.append(self._label_row(pid, label_id, "text", copies))

    def _label_row(self, pid, label_id, kind, copies):
        values = {
            **copies,
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
