"""Permanent reasons to reject an upload. Never retried: the same bytes fail the same way."""


class PhotoRejected(Exception):
    """The file can never become a photo; `reason` is a sentence for the person who sent it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class EmptyFile(PhotoRejected):
    """Zero bytes arrived."""


class NotAnImage(PhotoRejected):
    """The content is not a picture at all (HTML, PDF, ZIP, text, …)."""


class UnsupportedFormat(PhotoRejected):
    """A picture, but in a format we do not accept (BMP, PSD, …)."""


class TruncatedImage(PhotoRejected):
    """The pixel data stops early or is damaged part-way through."""


class TooManyPixels(PhotoRejected):
    """The header declares more pixels than we are willing to decode (decompression bomb)."""


class CorruptImage(PhotoRejected):
    """The header looks like an image but it cannot be decoded."""


class TooMuchMemory(PhotoRejected):
    """Decoding the image would need more memory than one decode may use."""
