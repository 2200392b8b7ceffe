"""Signal handlers of logging in and out."""

from __future__ import annotations

from typing import Any


def say_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A confirmation on the login page, so a shared computer is visibly free again."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    if request is not None:
        messages.info(request, _("You have been logged out."), fail_silently=True)
