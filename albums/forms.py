from django import forms

from albums.models import Album
from albums.names import clean_file_name
from processing.steps import formats


class AlbumForm(forms.ModelForm):
    class Meta:
        model = Album
        fields = ["title", "description"]
        widgets = {
            "title": forms.TextInput(attrs={"autofocus": True, "maxlength": 200}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {"title": {"required": "Give the album a title."}}


class AlbumEditForm(AlbumForm):
    """The album's settings page: also the order its photos are shown in."""

    class Meta(AlbumForm.Meta):
        fields = ["title", "description", "sort"]
        labels = {"sort": "Order of photos"}
        help_texts = {
            "sort": "Custom order: select photos on the album page and choose “Move to start”.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].required = False  # left out: the order stays as it is


class FileNameField(forms.CharField):
    """A user's file name, cleaned (controls, NULs, paths, bidi marks) instead of refused."""

    def to_python(self, value):
        return clean_file_name(str(value or ""))

    def run_validators(self, value):
        return None  # cleaning has already made any name safe to keep


class UploadStartForm(forms.Form):
    """What the browser says about a file before sending it (processing.intake decides)."""

    ACCEPT = formats.ACCEPT  # the file picker's `accept`: the supported formats' table

    name = FileNameField(max_length=1000)
    size = forms.IntegerField(min_value=0, required=False)
    type = forms.CharField(max_length=200, required=False)


class ShareLinkForm(forms.Form):
    expires_in_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Leave empty for a link that works until you revoke it.",
    )
    allow_downloads = forms.BooleanField(
        label="Let visitors download originals (these include camera data and location)",
        required=False,
    )
