"""A budget (or amendment) or annual accounts: the one shape the cycle shares.

The documents say what they are (`CycleDocument`); a decision, a step, a statement download and a
stored allocation point at exactly one of them through the same pair of foreign keys and the
same check constraint (`document_fields`, `one_document`), and ask which one through
`OfOneDocument`. Nothing else asks "budget or accounts?" by hand.

The fields and constraints are built here with the names and options each model had, so the
database schema does not change.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

BUDGET = "budget"
ACCOUNTS = "accounts"


class CycleDocument:
    """What a budget, an amendment and annual accounts say about themselves.

    ``document_kind`` is both the name of the foreign key that points at the document and the
    ``kind`` in its URLs."""

    document_kind: ClassVar[str]
    frozen_statuses: ClassVar[tuple[str, ...]]
    is_amendment = False  # a budget says whether it amends another
    loaded_with: ClassVar[tuple[str, ...]] = ()  # what a fresh copy is read with (the accounts: their budget)

    @property
    def is_accounts(self) -> bool:
        return self.document_kind == ACCOUNTS

    @property
    def cycle_budget(self):
        """The budget the document rests on: itself, or the budget of the accounts."""
        return self.budget if self.is_accounts else self

    def target(self) -> dict:
        """The keyword that points a decision, step, download or stored allocation at it."""
        return {self.document_kind: self}


def document_fields(*, on_delete, related_name: str) -> tuple[models.ForeignKey, models.ForeignKey]:
    """The pair ``budget, accounts`` of a record that belongs to exactly one document."""
    budget = models.ForeignKey(
        "budgeting.Budget",
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("budget"),
    )
    accounts = models.ForeignKey(
        "budgeting.AnnualAccounts",
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("annual accounts"),
    )
    return budget, accounts


def one_document(name: str, **with_accounts) -> models.CheckConstraint:
    """Exactly one of ``budget`` and ``accounts`` is set (``with_accounts``: what must hold too
    when it is the accounts)."""
    return models.CheckConstraint(
        condition=Q(budget__isnull=False, accounts__isnull=True)
        | Q(budget__isnull=True, accounts__isnull=False, **with_accounts),
        name=name,
    )


class OfOneDocument:
    """A record made by `document_fields`: which document it belongs to."""

    @property
    def document_field(self) -> str | None:
        """``"budget"`` or ``"accounts"``: the key that is set (None before either is)."""
        if self.budget_id:
            return BUDGET
        return ACCOUNTS if self.accounts_id else None

    @property
    def of_accounts(self) -> bool:
        return self.document_field == ACCOUNTS

    @property
    def linked_document(self):
        """The document as loaded with this record."""
        return self.budget or self.accounts

    document = linked_document
