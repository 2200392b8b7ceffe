from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from municipalities.services import MAX_BYTES
from portal.uploads import clean_data_upload


class PopulationImportForm(forms.Form):
    TABLES = [
        ("03759ned", _("CBS 03759ned – Population on 1 January")),
        ("37230ned", _("CBS 37230ned – Population development per month")),
    ]
    table = forms.ChoiceField(label=_("CBS table"), choices=TABLES)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("A CSV export from CBS StatLine with the columns Regio's, Perioden and "
                    "Bevolking. At most 5 MB."),
    )

    def clean_file(self):
        return clean_data_upload(
            self.cleaned_data["file"],
            extensions=(".csv", ".txt"),
            max_bytes=MAX_BYTES,
            too_large=_("The file is larger than 5 MB."),
            wrong_type=_("Choose a CSV file (.csv)."),
        )
