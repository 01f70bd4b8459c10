"""The Django admin, for moderators: photos with thumbnails, filters and recorded decisions.

Moderators (staff in the `moderators` group) see the review queue's photos, their labels
and processing history (originals and their metadata only with `albums.view_original`),
and decide through actions that record who decided what and when. Everything the pipeline
owns is read-only; nobody adds photos here. Plain staff see nothing of other people's.
"""

from django.conf import settings
from django.contrib import admin

# Importing the modules registers their pages.
from albums.admin import library, photos  # noqa: F401

admin.site.site_header = admin.site.site_title = f"{settings.SITE_NAME} administration"
