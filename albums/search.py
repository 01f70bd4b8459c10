"""Searching a user's own photos: labels, text, camera, dates, album, place."""

import math
import operator
from datetime import datetime, time
from functools import reduce

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.functional import cached_property

from albums.models import Album, Label, Photo, PhotoLabel

KM_PER_DEGREE = 111.32


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Labels",
        required=False,
        max_length=200,
        help_text="Every word must match the start of a label: “dog beach”.",
    )
    text = forms.CharField(label="Text in the photo", required=False, max_length=100)
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
        label="Within km", required=False, min_value=0.01, max_value=2000, initial=10
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["album"].queryset = Album.objects.owned_by(user).order_by("title")

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


def _text_matches(text: str) -> Q:
    """Photos whose detected text contains these words, anywhere in a line.

    `LIKE '%words%'` cannot use an index, and the database cannot guess how few names
    match, so the matching names are looked up first (one small query over distinct
    names) and the photos are then found through PhotoLabel(label, kind, photo).
    """
    ids = list(Label.objects.filter(name__icontains=text).values_list("id", flat=True)[:5000])
    photo_ids = PhotoLabel.objects.filter(kind=PhotoLabel.Kind.TEXT, label_id__in=ids)
    return Q(pk__in=photo_ids.values("photo_id"))


def _labels_match_all(terms: list[str]) -> Q:
    """Photos that, for every term, have a label (kind LABEL) whose name starts with it.

    One term: its label ids are looked up first (a range on the unique name index), so
    the database sees literal ids it can estimate. Several terms: one grouped pass over
    PhotoLabel(label, kind, photo) intersects them before any photo row is read, so the
    cost follows how common the terms are, not the order they are typed in. (Measured on
    MariaDB with bench/search.py: each form is the faster one for its case.)
    """
    if len(terms) == 1:
        ids = Label.objects.filter(name__istartswith=terms[0]).values_list("id", flat=True)
        ids = list(ids[:5000])
        matching = PhotoLabel.objects.filter(kind=PhotoLabel.Kind.LABEL, label_id__in=ids)
        return Q(pk__in=matching.values("photo_id"))
    named = [Q(label__name__istartswith=term) for term in terms]
    matching = (
        PhotoLabel.objects.filter(reduce(operator.or_, named), kind=PhotoLabel.Kind.LABEL)
        .values("photo_id")
        .annotate(**{f"term{i}": Count("pk", filter=q) for i, q in enumerate(named)})
        .filter(**{f"term{i}__gt": 0 for i in range(len(named))})
    )
    return Q(pk__in=matching.values("photo_id"))


def _day_bound(day, end: bool):
    moment = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(moment, timezone.get_current_timezone())


def photo_search(*, user, criteria: dict):
    """The user's photos matching every given criterion, newest taken first."""
    photos = Photo.objects.filter(owner=user).exclude(status=Photo.Status.UPLOADING)
    if terms := (criteria.get("q") or "").split():
        photos = photos.filter(_labels_match_all(terms))
    if text := (criteria.get("text") or "").strip():
        photos = photos.filter(_text_matches(text))
    if camera := (criteria.get("camera") or "").strip():
        for word in camera.split():
            photos = photos.filter(Q(camera_make__icontains=word) | Q(camera_model__icontains=word))
    if criteria.get("date_from"):
        photos = photos.filter(taken_at__gte=_day_bound(criteria["date_from"], end=False))
    if criteria.get("date_to"):
        photos = photos.filter(taken_at__lte=_day_bound(criteria["date_to"], end=True))
    if criteria.get("album"):
        photos = photos.filter(album=criteria["album"])
    if criteria.get("has_location"):
        photos = photos.filter(latitude__isnull=False, longitude__isnull=False)
    if criteria.get("lat") is not None and criteria.get("lon") is not None:
        photos = _near(photos, criteria["lat"], criteria["lon"], criteria.get("radius_km") or 10)
    return photos.order_by("-taken_at", "-created_at", "id")


def _near(photos, lat: float, lon: float, radius_km: float):
    """A bounding box (index-friendly), then an equirectangular distance check in SQL."""
    dlat = radius_km / KM_PER_DEGREE
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(radius_km / (KM_PER_DEGREE * cos_lat), 180)
    photos = photos.filter(
        latitude__gte=lat - dlat,
        latitude__lte=lat + dlat,
        longitude__gte=lon - dlon,
        longitude__lte=lon + dlon,
    )
    y = F("latitude") - lat
    x = (F("longitude") - lon) * cos_lat
    return photos.alias(d2=y * y + x * x).filter(d2__lte=dlat * dlat)


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 results: an exact total past a thousand photos costs a scan
    of every match, and nobody pages that far; they narrow the search instead."""

    def __init__(self, object_list, per_page, *, cap: int = 1000):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
