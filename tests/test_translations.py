"""The UI is Dutch: every text in the catalogue is translated and the compiled file is current."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "nl" / "LC_MESSAGES"


def test_every_message_is_translated():
    po = polib.pofile(str(LOCALE / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == []
    assert len(po) > 100


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))

    def entries(catalogue):
        return {
            (e.msgctxt, e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid and not e.obsolete
        }

    assert entries(po) == entries(mo), "run `make messages` (compilemessages) after editing django.po"


def test_a_short_password_is_explained_in_dutch():
    """Django 5.2 changed this message and its Dutch catalogue has not caught up (walkthrough)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("nl"):
        try:
            validate_password("kort-2026")
        except ValidationError as error:
            messages = error.messages
    assert "Dit wachtwoord is te kort: gebruik minstens 12 tekens." in messages
