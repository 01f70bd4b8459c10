"""Searching a user's own photos: labels, text, camera, dates, album, place."""

import math
import operator
from dataclasses import dataclass
from datetime import datetime, time
from functools import reduce

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, FloatField, Q, When
from django.utils import timezone
from django.utils.functional import cached_property

from albums.models import Album, AlbumPhoto, Label, Photo, PhotoLabel
from albums.names import fold

KM_PER_DEGREE = 111.32
# The bound on one search's cost: each label word is a range on Label's index, then an IN
# list on PhotoLabel's; several words group every matching entry. So at most MAX_TERMS words
# (repeats count once), each of at least MIN_PREFIX letters, each standing for at most
# MAX_LABELS_PER_TERM labels: MAX_TERMS × MAX_LABELS_PER_TERM ids, twice in the SQL, well
# under SQLite's 32,766 variables.
MAX_TERMS = 6
MIN_PREFIX = 2
MAX_LABELS_PER_TERM = 1000
SEARCH_ORDER = ("-taken_at", "-created_at", "id")  # Photo's; PhotoLabel has copies


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Labels",
        required=False,
        max_length=200,
        help_text="Every word must match the start of a label: “dog beach”.",
    )
    text = forms.CharField(label="Text in the photo", required=False, max_length=100)
    place = forms.CharField(
        label="Place",
        required=False,
        max_length=100,
        help_text="A town, region or country the photo was taken in: “Arezzo”, “Tuscany”.",
    )
    camera = forms.CharField(label="Camera", required=False, max_length=100)
    date_from = forms.DateField(
        label="Taken from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Taken until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    album = forms.ModelChoiceField(
        queryset=Album.objects.none(), required=False, empty_label="All albums", to_field_name="pk"
    )
    has_location = forms.BooleanField(label="Has a location", required=False)
    lat = forms.FloatField(label="Near latitude", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="Near longitude", required=False, min_value=-180, max_value=180)
    radius_km = forms.FloatField(
        label="Within km (default 10)", required=False, min_value=0.01, max_value=2000
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["album"].queryset = Album.objects.owned_by(user).order_by("title")
        self.notes: list[str] = []  # what the search left out, in words for the page
        # No place box when place names are never found (the text box stays: text may come
        # with Rekognition's labels); the page's hint names what the active analyses find.
        if settings.PLACES_DETECTOR == "off":
            del self.fields["place"]

    def clean_q(self):
        return self._bounded_words(self.cleaned_data.get("q") or "", what="label words")

    def clean_camera(self):
        return self._bounded_words(self.cleaned_data.get("camera") or "", what="camera words")

    def clean_text(self):
        text = (self.cleaned_data.get("text") or "").strip()
        if text and len(fold(text)) < MIN_PREFIX:
            raise forms.ValidationError(f"Give at least {MIN_PREFIX} letters of the text.")
        return text

    def _bounded_words(self, value: str, *, what: str) -> str:
        """Each word once (ignoring case and accents), at least MIN_PREFIX letters, and no
        more than MAX_TERMS of them: the rest are left out, and the page says which."""
        first_of: dict[str, str] = {}
        for word in value.split():
            first_of.setdefault(fold(word), word)
        words = list(first_of.values())
        short = [word for word in words if len(fold(word)) < MIN_PREFIX]
        if short:
            raise forms.ValidationError(
                f"Each of the {what} needs at least {MIN_PREFIX} letters: "
                + ", ".join(f"“{word}”" for word in short)
                + "."
            )
        if len(words) > MAX_TERMS:
            left_out = ", ".join(f"“{word}”" for word in words[MAX_TERMS:])
            self.notes.append(f"Searched for the first {MAX_TERMS} {what}; left out: {left_out}.")
            words = words[:MAX_TERMS]
        return " ".join(words)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError("Give both a latitude and a longitude to search near.")
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    @property
    def has_criteria(self) -> bool:
        return (
            self.is_bound
            and self.is_valid()
            and any(
                v not in (None, "", False) for k, v in self.cleaned_data.items() if k != "radius_km"
            )
        )


@dataclass(frozen=True)
class Term:
    """Something every result must have: a PhotoLabel of this kind with one of these labels."""

    kind: str
    label_ids: tuple[int, ...]


def _terms(criteria: dict, notes: list[str]) -> list[Term]:
    """The label and text criteria, each resolved to label ids (a small query on Label).

    Resolving first lets the database see literal ids it can estimate and range over:
    a prefix is a range on Label's folded-name index; text (`LIKE '%words%'`) scans the
    names, which are few next to the photos. Both compare folded names (case and accents
    ignored), so every database finds the same labels.
    """
    terms = []
    words = (criteria.get("q") or "").split()[:MAX_TERMS]  # the form bounds them already
    for word in dict.fromkeys(fold(word) for word in words):
        names = Label.objects.filter(folded__istartswith=word)
        terms.append(Term(PhotoLabel.Kind.LABEL, _ids(names, word, notes)))
    if text := (criteria.get("text") or "").strip():
        names = Label.objects.filter(folded__icontains=fold(text))
        terms.append(Term(PhotoLabel.Kind.TEXT, _ids(names, text, notes)))
    if place := (criteria.get("place") or "").strip():
        names = Label.objects.filter(folded__istartswith=fold(place))
        terms.append(Term(PhotoLabel.Kind.PLACE, _ids(names, place, notes)))
    return terms


def _ids(labels, word: str, notes: list[str]) -> tuple[int, ...]:
    ids = tuple(labels.order_by("id").values_list("id", flat=True)[: MAX_LABELS_PER_TERM + 1])
    if len(ids) > MAX_LABELS_PER_TERM:
        notes.append(
            f"“{word}” matches more than {MAX_LABELS_PER_TERM:,} labels, so only "
            f"{MAX_LABELS_PER_TERM:,} of them were searched: type more of the word."
        )
    return ids[:MAX_LABELS_PER_TERM]


def _has(term: Term, prefix: str = "") -> Q:
    return Q(**{f"{prefix}kind": term.kind, f"{prefix}label_id__in": term.label_ids})


def _photo_filters(criteria: dict, prefix: str = "") -> Q:
    """Camera, album and place criteria on Photo (`prefix` "photo__" from PhotoLabel)."""
    q = Q()
    for word in (criteria.get("camera") or "").split()[:MAX_TERMS]:
        q &= Q(**{f"{prefix}camera_make__icontains": word}) | Q(
            **{f"{prefix}camera_model__icontains": word}
        )
    if criteria.get("album"):
        in_album = AlbumPhoto.objects.filter(album=criteria["album"]).values("photo_id")
        q &= Q(**{"photo_id__in" if prefix else "pk__in": in_album})
    if criteria.get("has_location"):
        q &= Q(**{f"{prefix}latitude__isnull": False, f"{prefix}longitude__isnull": False})
    return q


def _date_filters(criteria: dict) -> Q:
    q = Q()
    if criteria.get("date_from"):
        q &= Q(taken_at__gte=_day_bound(criteria["date_from"], end=False))
    if criteria.get("date_to"):
        q &= Q(taken_at__lte=_day_bound(criteria["date_to"], end=True))
    return q


def _day_bound(day, end: bool):
    moment = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(moment, timezone.get_current_timezone())


def photo_search(*, user, criteria: dict, photos=None) -> "SearchResults":
    """The user's photos matching every given criterion, newest taken first.

    `photos` is the queryset a page's photos are fetched from (the view adds its
    prefetches). With labels or text among the criteria the search runs on PhotoLabel's
    copies of owner and sort position (one index, in result order), else on Photo.
    """
    photos = (photos if photos is not None else Photo.objects.all()).alive().filter(owner=user)
    notes: list[str] = []
    if terms := _terms(criteria, notes):
        rows = _by_labels(user, criteria, terms)
        return SearchResults(rows, photos, read_once=len(terms) > 1, notes=notes)
    matching = (
        Photo.objects.alive()
        .filter(owner=user)
        .exclude(status=Photo.Status.UPLOADING)
        .filter(_date_filters(criteria), _photo_filters(criteria))
    )
    if criteria.get("lat") is not None and criteria.get("lon") is not None:
        matching = _near(matching, criteria)
    rows = matching.order_by(*SEARCH_ORDER).values_list("pk", flat=True)
    return SearchResults(rows, photos)


def _by_labels(user, criteria: dict, terms: list[Term]):
    """Photo ids from PhotoLabel(owner, kind, label, -taken_at, -photo_created_at, photo).

    One term with one label walks that index in result order and stops at the page's
    end; one term with several labels (a prefix) reads their entries and drops repeats;
    several terms group each photo's entries and keep photos that have every term. Photo
    rows are joined only for camera, album and place criteria. No status filter: a photo
    has labels only after its upload is complete (labels come from the pipeline).
    """
    if any(not term.label_ids for term in terms):
        return PhotoLabel.objects.none().values_list("photo_id", flat=True)
    postings = PhotoLabel.objects.filter(owner=user, in_trash=False).filter(
        _date_filters(criteria), _photo_filters(criteria, prefix="photo__")
    )
    if criteria.get("lat") is not None and criteria.get("lon") is not None:
        postings = _near(postings, criteria, prefix="photo__")
    order = ("-taken_at", "-photo_created_at", "photo_id")
    if len(terms) == 1:
        rows = postings.filter(_has(terms[0])).order_by(*order).values_list("photo_id", flat=True)
        return rows.distinct() if len(terms[0].label_ids) > 1 else rows
    counts = {f"term{i}": Count("pk", filter=_has(t)) for i, t in enumerate(terms)}
    return (
        postings.filter(reduce(operator.or_, map(_has, terms)))
        .values("photo_id", "taken_at", "photo_created_at")
        .annotate(**counts)
        .filter(**{f"{name}__gt": 0 for name in counts})
        .order_by(*order)
        .values_list("photo_id", flat=True)
    )


def _near(rows, criteria: dict, prefix: str = ""):
    """A bounding box (index-friendly), then an equirectangular distance check in SQL.

    A circle that crosses the ±180° meridian (Fiji, the Bering Strait) is two boxes, and
    longitudes on the far side are shifted by 360° before the distance is measured.
    """
    lat, lon = criteria["lat"], criteria["lon"]
    radius_km = criteria.get("radius_km") or 10
    dlat = radius_km / KM_PER_DEGREE
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(radius_km / (KM_PER_DEGREE * cos_lat), 180)
    latitude, longitude = f"{prefix}latitude", f"{prefix}longitude"
    rows = rows.filter(**{f"{latitude}__gte": lat - dlat, f"{latitude}__lte": lat + dlat})
    west, east = lon - dlon, lon + dlon
    if west >= -180 and east <= 180:
        rows = rows.filter(**{f"{longitude}__gte": west, f"{longitude}__lte": east})
        x = F(longitude) - lon
    else:
        wrapped_west, wrapped_east = (west + 360, east) if west < -180 else (west, east - 360)
        rows = rows.filter(
            Q(**{f"{longitude}__gte": wrapped_west}) | Q(**{f"{longitude}__lte": wrapped_east})
        )
        x = (
            Case(
                When(**{f"{longitude}__gt": lon + 180}, then=F(longitude) - 360),
                When(**{f"{longitude}__lt": lon - 180}, then=F(longitude) + 360),
                default=F(longitude),
                output_field=FloatField(),
            )
            - lon
        )
    y = F(latitude) - lat
    x = x * cos_lat
    return rows.alias(d2=y * y + x * x).filter(d2__lte=dlat * dlat)


class SearchResults:
    """photo_search's answer: slice it for a page of photos, in order; count_upto() counts.

    `rows` is an ordered queryset of photo ids; a slice runs it with LIMIT/OFFSET, then
    fetches those photos by primary key (one more query, plus the caller's prefetches).

    With `read_once` (several label terms: grouping every photo's entries is a scan of all
    of them, whether for a count or for a page), a capped count reads the ids themselves, in
    order, and serves every page within them: one scan instead of two. Otherwise a count is
    a COUNT, and a page reads only its own ids, which stops early on an index in order.
    """

    def __init__(self, rows, photos, *, read_once: bool = False, notes: list[str] | None = None):
        self.rows = rows
        self.photos = photos
        self.read_once = read_once
        self.notes = notes or []  # what was left out of the search (too many labels)
        self._head: list | None = None  # the first ids, in order, once a capped count ran
        self._complete = False  # True when _head holds every match

    def count_upto(self, limit: int | None = None) -> int:
        if limit is None or not self.read_once:
            rows = self.rows.order_by()
            return (rows[:limit] if limit is not None else rows).count()
        self._head = list(self.rows[:limit])
        self._complete = len(self._head) < limit
        return len(self._head)

    def __getitem__(self, item: slice) -> list[Photo]:
        if not isinstance(item, slice):
            raise TypeError("search results are read a page (a slice) at a time")
        head = self._head
        if head is not None and (self._complete or (item.stop or 0) <= len(head)):
            ids = head[item]
        else:
            ids = list(self.rows[item])
        if not ids:
            return []
        found = self.photos.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 results: an exact total past a thousand photos costs a scan
    of every match, and nobody pages that far; they narrow the search instead."""

    def __init__(self, object_list, per_page, *, cap: int = 1000):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list.count_upto(self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap
