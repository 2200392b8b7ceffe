from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from municipalities.services import MAX_BYTES


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
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Choose a CSV file (.csv)."))
        return upload
