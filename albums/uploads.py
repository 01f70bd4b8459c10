"""Local uploads stream to a temporary file in chunks and stop at the size limit."""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Never holds a file in memory; gives up as soon as it passes MAX_UPLOAD_BYTES."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.upload_too_large = False
        # The body carries a little multipart framing on top of the file itself.
        if content_length and content_length > settings.MAX_UPLOAD_BYTES + 64 * 1024:
            # Refuse without reading the body: no files, and the view answers 413.
            self.request.upload_too_large = True
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)
