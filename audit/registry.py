"""Which models the trail follows, which document each row belongs to, and how a field's value
is kept: comparable (to see whether it changed) and as text (to show what it was)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models.fields.files import FieldFile


@dataclass(frozen=True)
class Tracked:
    # Paths to the document whose history also shows this row ("decision__budget": the budget
    # of the vote's decision); the first that is set wins.
    parents: tuple[str, ...] = ()
    # Fields not kept in the trail: a stored document's frozen content (its issue is recorded).
    skip: tuple[str, ...] = ()


# model label -> how it is tracked. Invoice lines are not here: they only arrive with their
# invoice in a 323 import and never change (the invoice's create entry counts them).
TRACKED: dict[str, Tracked] = {
    "contracts.Contract": Tracked(),
    "contracts.ContractParticipation": Tracked(("contract",)),
    "contracts.TariffLine": Tracked(("contract",)),
    "contracts.Invoice": Tracked(),
    # A later 301 for the same allocation number updates it: recorded old → new.
    "traffic.Allocation": Tracked(),
    "traffic.DeclarationReturn": Tracked(("invoice",)),
    "budgeting.Budget": Tracked(),  # amendments are versions of a budget: the same model
    "budgeting.BudgetLine": Tracked(("budget",)),
    "budgeting.AllocationKeyShare": Tracked(("budget",)),
    "budgeting.AnnualAccounts": Tracked(),
    "budgeting.RealisedLine": Tracked(("accounts",)),
    "budgeting.ActivityResult": Tracked(("accounts",)),
    "budgeting.CouncilView": Tracked(("budget",)),
    "budgeting.BoardDecision": Tracked(("budget", "accounts")),
    "budgeting.MemberVote": Tracked(("decision__budget", "decision__accounts")),
    "entity.Membership": Tracked(("municipality",)),
    "entity.BoardSeat": Tracked(("municipality",)),
    "entity.MunicipalityContact": Tracked(("municipality",)),
    # Reference data that managers keep in /beheer/ (audit/reference_admin.py: ReferenceDataAdmin): every
    # change is recorded with who and old → new, whichever path made it.
    "municipalities.Municipality": Tracked(),
    "municipalities.PopulationCount": Tracked(("municipality",)),
    "entity.Module": Tracked(),
    "entity.Function": Tracked(),
    "accounts.TwoFactorPolicy": Tracked(),
    "contracts.Segment": Tracked(),
    "contracts.Provider": Tracked(),
    "contracts.ServiceAgreement": Tracked(("municipality",)),
    "contracts.ContractLogEntry": Tracked(("contract",)),
    "budgeting.DeadlineRules": Tracked(),
    "budgeting.FinancialFrame": Tracked(("municipality",)),
    "transition.Programme": Tracked(),
    "transition.Framework": Tracked(("programme",)),
    "transition.Criterion": Tracked(("programme",)),
    "transition.GoNoGoDecision": Tracked(("programme",)),
    "transition.Milestone": Tracked(("programme",)),
    "transition.StaffingLine": Tracked(("programme",)),
    "transition.Risk": Tracked(("programme",)),
    "transition.ChecklistItem": Tracked(("programme",)),
    "transition.ProgressReport": Tracked(("programme",), skip=("content",)),
}
# Documents with a history page that are not tracked themselves: their rows are.
HISTORY_ONLY: tuple[str, ...] = ()


@cache
def tracked_models() -> dict[type[models.Model], Tracked]:
    return {apps.get_model(label): spec for label, spec in TRACKED.items()}


def history_models() -> set[type[models.Model]]:
    return set(tracked_models()) | {apps.get_model(label) for label in HISTORY_ONLY}


def is_tracked(model: type[models.Model]) -> bool:
    return model in tracked_models()


@cache
def tracked_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """Concrete fields except the key, the timestamps that every save sets (noise) and the
    fields the registry skips."""
    skip = tracked_models().get(model, Tracked()).skip
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and f.name not in skip
    )


def comparable(field: models.Field, value):
    """A JSON value that is equal exactly when the stored value is: ids for relations, Decimals
    to their places, dates in ISO, aware date-times in UTC."""
    if value is None:
        return None
    if field.is_relation:
        return value
    if isinstance(value, FieldFile):
        return value.name or ""
    if not isinstance(value, str) or not isinstance(field, models.CharField | models.TextField | models.FileField):
        value = field.to_python(value)
    if isinstance(value, Decimal):
        if isinstance(field, models.DecimalField):
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return (value.astimezone(datetime.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def parent_of(instance: models.Model, spec: Tracked) -> tuple[type[models.Model], int] | None:
    """The (model, id) of the document this row belongs to, from the objects already loaded."""
    for path in spec.parents:
        *hops, last = path.split("__")
        obj, model = instance, type(instance)
        for hop in hops:
            obj = getattr(obj, hop, None)
            if obj is None:
                break
            model = type(obj)
        if obj is None:
            continue
        pk = getattr(obj, f"{last}_id", None)
        if pk is not None:
            return model._meta.get_field(last).related_model, pk
    return None
