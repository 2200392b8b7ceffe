"""One way to find a municipality from what an imported file writes for it.

Invoice files write ``GM0988`` or a name, CBS StatLine writes ``GM0988``, a name or a name with
``(gemeente)`` after it, declaration messages the four digits ``0988``: every import looks a
municipality up here, so a spelling one import accepts is accepted by all of them."""

from __future__ import annotations

import re

from municipalities.models import Municipality

# StatLine marks the level of a region after its name: "Weert (gemeente)", "Weert (GM)".
REGION_SUFFIX = re.compile(r"\s*\((gemeente|gm|g)\)$")


def normalise(text: str) -> str:
    """Lower case, without a byte-order mark, surrounding quotes or repeated spaces."""
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().strip('"').strip().lower()


class MunicipalityLookup:
    """Every municipality by CBS code, CBS number, name and slug, read once per import."""

    def __init__(self) -> None:
        self.by_key: dict[str, Municipality] = {}
        for m in Municipality.objects.all():
            for key in (m.cbs_code, m.cbs_number, m.name, m.slug):
                self.by_key[normalise(key)] = m

    def find(self, value: str) -> Municipality | None:
        return self.by_key.get(REGION_SUFFIX.sub("", normalise(value)))
