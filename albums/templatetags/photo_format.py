"""How a photo's camera data reads on its page: "Canon EOS 40D", "1/160 s"."""

from django import template

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
