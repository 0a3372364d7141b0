from django import forms

from .validation import validate_upload


class ContentCheckedFileField(forms.FileField):
    """A file field whose type is judged by content (see documents.validation)."""

    def __init__(self, *, allowed: frozenset[str], **kwargs):
        self.allowed = allowed
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded and uploaded is not initial:
            validate_upload(uploaded, allowed=self.allowed)
        return uploaded
