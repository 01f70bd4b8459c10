"""Where a photo was taken, from its GPS position: town, region, country.

`rgeocoder` (MIT) finds the nearest of the ~145,000 GeoNames places with more than 1000
people, shipped in its wheel. It always answers with *something*, even for a point in the
middle of an ocean, so the distance to that place is checked here: beyond max_km there is
no place. GeoNames data is CC BY 4.0; wherever places are shown, show ATTRIBUTION.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from processing.vision import runtime
from processing.vision.countries import ALSO, country_name

DEFAULT_MAX_KM = 50.0  # farther than this from any town of 1000 people: no place
ATTRIBUTION = "Place names from GeoNames (geonames.org), CC BY 4.0"
ATTRIBUTION_URL = "https://www.geonames.org/"
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    city: str  # the nearest town or city
    region: str  # first-level division: "Tuscany", "England", "Michigan"
    district: str  # second-level, often empty: "Province of Arezzo", "Gateshead"
    country: str  # "Italy"
    country_code: str  # "IT"
    distance_km: float  # from the photo's position to the town's centre

    def names(self) -> tuple[str, ...]:
        """Every name the place can be searched by, each once, most specific first."""
        found = (
            self.city,
            self.district,
            self.region,
            self.country,
            *ALSO.get(self.country_code, ()),
        )
        return tuple(dict.fromkeys(name for name in found if name))

    @property
    def title(self) -> str:
        """'Arezzo, Tuscany, Italy'."""
        return ", ".join(dict.fromkeys(n for n in (self.city, self.region, self.country) if n))


def _geocoder():
    def build():
        # rgeocoder loads its index on import: only when places are on.
        from rgeocoder import ReverseGeocoder

        return ReverseGeocoder(lazy=False)

    return runtime.cached("places", build)


def load() -> None:
    _geocoder()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def valid_position(latitude: float | None, longitude: float | None) -> bool:
    """A real position: both numbers present, in range, and not the 0,0 a camera writes
    when it has no fix ("Null Island" is open sea anyway)."""
    if latitude is None or longitude is None:
        return False
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return False
    return not (latitude == 0 and longitude == 0)


def find_place(
    latitude: float | None, longitude: float | None, *, max_km: float = DEFAULT_MAX_KM
) -> Place | None:
    """The place at a GPS position, or None when there is no position or no town near it."""
    if not valid_position(latitude, longitude):
        return None
    nearest = _geocoder().nearest(latitude, longitude)
    km = distance_km(latitude, longitude, nearest.lat, nearest.lon)
    if km > max_km:
        return None
    return Place(
        city=nearest.name,
        region=nearest.admin1 or "",
        district=nearest.admin2 or "",
        country=country_name(nearest.cc),
        country_code=nearest.cc,
        distance_km=round(km, 2),
    )
