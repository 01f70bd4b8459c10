import json

from django.core.management.base import BaseCommand

from processing.exports import photo_export_row, photos_for_export


class Command(BaseCommand):
    help = "Print each photo's metadata, labels and renditions as one JSON object per line."

    def add_arguments(self, parser):
        parser.add_argument("--album", help="Only photos in albums with this title.")
        parser.add_argument("--user", help="Only photos of the user with this email.")

    def handle(self, *, album, user, **options):
        for photo in photos_for_export(album_title=album, user_email=user).iterator(chunk_size=500):
            self.stdout.write(json.dumps(photo_export_row(photo), ensure_ascii=False))
