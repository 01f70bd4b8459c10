"""File names from users: kept for display only, cleaned of what could mislead or break."""

import unicodedata

MAX_NAME_LENGTH = 255
# Bidirectional overrides and isolates can make "photo‮gpj.exe" read as "photoexe.jpg".
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}


def clean_file_name(name: str) -> str:
    """The last path segment, without control or bidi characters, at most 255 characters.

    The result is only ever shown (escaped) or sent in a Content-Disposition header (encoded
    by Django); it never becomes part of a storage key.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch
        for ch in name
        if ch not in _BIDI_CONTROLS and unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()
    name = unicodedata.normalize("NFC", name)
    if name in ("", ".", ".."):
        return "unnamed"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME_LENGTH - len(keep) - 2] + "…" + ("." + keep if keep else "")
    return name


def fold(text: str) -> str:
    """A word as label search compares it: case and accents ignored ("CAFÉ" → "cafe",
    "Straße" → "strasse"), the same on every database."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
