"""How a photo's camera data reads on its page: "Canon EOS 40D", "1/160 s", when taken."""

from django import template
from django.utils import formats

from albums.taken_time import local_taken_at

register = template.Library()


@register.filter
def camera(photo) -> str:
    """Make and model, without the make twice: EXIF often repeats it in the model
    ("Canon" + "Canon EOS 40D", "NIKON CORPORATION" + "NIKON D70")."""
    make, model = (photo.camera_make or "").strip(), (photo.camera_model or "").strip()
    if not model:
        return make
    first_word = model.split()[0].casefold()
    if any(word.casefold() == first_word for word in make.split()):
        return model
    return f"{make} {model}".strip()


@register.filter
def exposure(seconds) -> str:
    """Short exposures as photographers write them (1/160 s), long ones in seconds."""
    if not seconds or seconds <= 0:
        return ""
    if seconds < 0.25:
        return f"1/{round(1 / seconds)} s"
    return f"{seconds:.1f}".rstrip("0").rstrip(".") + " s"


@register.filter
def taken(photo) -> str:
    """The wall-clock time where the photo was taken, with its offset when the camera
    recorded one: "14 Jul 2023, 07:08 (+02:00)" — never converted to the site's zone."""
    local = local_taken_at(photo.taken_at, photo.taken_at_offset)
    if local is None:
        return ""
    shown = formats.date_format(local.replace(tzinfo=None), "j M Y, H:i")
    return f"{shown} ({photo.taken_at_offset})" if local.tzinfo else shown


@register.filter
def taken_iso(photo) -> str:
    """For <time datetime="…">: "2023-07-14T07:08:00+02:00", or without an offset when
    it is not known."""
    local = local_taken_at(photo.taken_at, photo.taken_at_offset)
    return local.isoformat(timespec="seconds") if local else ""
