"""Who is acting: set per request by `audit.middleware.CurrentUserMiddleware`, or explicitly
with `acting_as` (services, commands, tests). Unset means the system."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

_current_user: ContextVar[Any] = ContextVar("audit_current_user", default=None)


def current_user() -> Any:
    """The authenticated user of this request or `acting_as` block, or None."""
    user = _current_user.get()
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    token = _current_user.set(user)
    try:
        yield
    finally:
        _current_user.reset(token)


def acts_as_by(function: Callable) -> Callable:
    """Decorator for a service that takes ``by=user``: the rows it saves are recorded as that
    user's doing, also when it runs without a request (a command, the demo data, a test)."""

    @wraps(function)
    def wrapped(*args, **kwargs):
        with acting_as(kwargs.get("by")):
            return function(*args, **kwargs)

    return wrapped
