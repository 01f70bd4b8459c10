"""Whether a JPEG's scan data reaches its last block.

A JPEG cut short and given an end marker again decodes without an error: libjpeg warns
("premature end of data segment") and fills every block after the cut with the last colour
it had, so the photo would show a flat grey lower part. Pillow silences libjpeg's warnings,
so the scan is read a second time with libjpeg-turbo (simplejpeg) at 1/8 scale, where each
pixel is one block: after such a warning, the flat rows at the bottom are what is missing.
"""

from __future__ import annotations

import simplejpeg

# Some cameras leave the last few blocks out; a sliver that small is kept, not rejected.
MAX_MISSING = 0.02


def missing_fraction(data: bytes) -> float:
    """The share of the picture's rows the scan data never reached (0.0 for a whole file).

    Only the luma scan is checked; anything libjpeg-turbo cannot read at all is left to
    Pillow, whose errors have their own reasons.
    """
    try:
        simplejpeg.decode_jpeg(data, colorspace="GRAY", min_factor=8, strict=True)
        return 0.0
    except ValueError as exc:
        if "premature end" not in str(exc).lower():
            return 0.0  # other warnings (extraneous bytes, odd sampling) spoil no pixels
    try:
        luma = simplejpeg.decode_jpeg(data, colorspace="GRAY", min_factor=8, strict=False)
    except ValueError:
        return 0.0
    luma = luma.reshape(luma.shape[0], luma.shape[1])
    flat = (luma == luma[-1, -1]).all(axis=1)[::-1]  # from the bottom row up
    flat_rows = len(flat) if flat.all() else int(flat.argmin())
    return flat_rows / len(flat)
