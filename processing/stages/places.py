"""places: where the photo was taken, by name, from its GPS position (PLACES_DETECTOR).

The names (town, district, region, country and the country's other names) are stored as
PhotoLabel rows of kind "place", so search finds the photo by any of them. GeoNames data:
pages that show a place show processing.vision.places.ATTRIBUTION.
"""

from django.conf import settings

from albums.models import PhotoLabel
from processing.enrichments import Found, photo_replace_found
from processing.stages.base import Done, Skipped, StageJob

CATEGORIES = ("City", "District", "Region", "Country")


def run(job: StageJob) -> Done | Skipped:
    if settings.PLACES_DETECTOR == "off":
        return Skipped("Place names are turned off")
    # The GeoNames index loads (12 MB) only when a photo with a position is looked up.
    from processing.vision.places import find_place, valid_position

    photo = job.photo
    if not valid_position(photo.latitude, photo.longitude):
        photo_replace_found(photo_id=photo.pk, kind=PhotoLabel.Kind.PLACE, found=[], source="")
        return Skipped("The photo has no GPS position")
    place = find_place(photo.latitude, photo.longitude, max_km=settings.PLACES_MAX_KM)
    found = []
    if place is not None:
        parts = (place.city, place.district, place.region, place.country)
        found = [Found(name, 100.0, cat) for name, cat in zip(parts, CATEGORIES, strict=True)]
        shown = {item.name for item in found}
        # Other names ("USA", "Britain"): searchable, not shown (albums/views.py)
        found += [Found(n, 100.0, "Synonyms") for n in place.names() if n not in shown]
    photo_replace_found(photo_id=photo.pk, kind=PhotoLabel.Kind.PLACE, found=found, source="local")
    if place is None:
        return Done(f"No town within {settings.PLACES_MAX_KM:g} km of the photo's position")
    return Done(place.title)
