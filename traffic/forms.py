from django import forms
from django.utils.translation import gettext_lazy as _

from portal.uploads import clean_data_upload
from traffic.imports import MAX_BYTES


class MessageImportForm(forms.Form):
    file = forms.FileField(
        label=_("Message or ZIP file"),
        help_text=_(
            "A 301, 323 or 325 message (XML) of the Youth Act or the Wmo, or a ZIP file with up to 30 "
            "messages as the national exchange delivers them. At most 100 MB."
        ),
    )

    def clean_file(self):
        return clean_data_upload(
            self.cleaned_data["file"],
            extensions=(".xml", ".zip"),
            max_bytes=MAX_BYTES,
            too_large=_("The file is larger than 100 MB."),
            wrong_type=_("Choose a message (.xml) or a ZIP file of messages (.zip)."),
        )
