"""JPEGs that stop early end `rejected` as truncated through the whole pipeline, not `ready`
with a grey lower part."""

import io

import pytest
from django.core.management import CommandError, call_command

from albums.models import Photo
from tests.processing.big_files import jpeg_cut_short, jpeg_declaring
from tests.support.corpus import corpus_file

pytestmark = pytest.mark.django_db(transaction=True)

FILES = {
    "cut-short.jpg": lambda: jpeg_cut_short(corpus_file("large", "iphone_hdr_NO.jpg").read_bytes()),
    "100-megapixels-in-633-bytes.jpg": lambda: jpeg_declaring(10_000, 10_000),
}


@pytest.mark.parametrize("name", FILES)
def test_jpeg_that_stops_early_ends_rejected_as_truncated(user, tmp_path, embedded_worker, name):
    path = tmp_path / name
    path.write_bytes(FILES[name]())

    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command(
            "import_photos",
            str(path),
            "--user",
            user.email,
            "--album",
            "Bad",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    photo = Photo.objects.get(owner=user, original_name=name)
    assert photo.status == Photo.Status.REJECTED
    assert photo.status_reason.startswith("The image data is truncated or corrupt")
    assert not photo.renditions.exists()
