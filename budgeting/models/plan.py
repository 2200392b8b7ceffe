"""The implementation plan (uitvoeringsplan) of a budget year: activities and plus packages.

It is part of the budget: it is adopted with it and frozen with it, and an amendment carries a
copy of it.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from budgeting.models.budget import Budget, BudgetLine, FrozenWithParent
from entity.models import Function
from municipalities.models import Municipality


class Priority(models.TextChoices):
    NECESSARY = "necessary", _("necessary")
    OPTIONAL = "optional", _("optional")


class Quarter(models.IntegerChoices):
    Q1 = 1, _("1st quarter")
    Q2 = 2, _("2nd quarter")
    Q3 = 3, _("3rd quarter")
    Q4 = 4, _("4th quarter")


class PlanActivity(FrozenWithParent):
    """An activity or project of the year, with the functions that carry it and its budget lines."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="activities", verbose_name=_("budget"))
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("activity or project"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    functions = models.ManyToManyField(Function, blank=True, related_name="+", verbose_name=_("functions involved"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NECESSARY)
    quarter = models.PositiveSmallIntegerField(_("planned quarter"), choices=Quarter.choices)
    deliverables = models.TextField(_("deliverables"), blank=True)
    budget_lines = models.ManyToManyField(
        BudgetLine, blank=True, related_name="activities", verbose_name=_("budget lines")
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["budget", "number"]
        constraints = [models.UniqueConstraint(fields=["budget", "number"], name="one_activity_number_per_budget")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class PlusPackage(FrozenWithParent):
    """What one municipality buys on top of the basic package; its cost is its plus lines."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="plus_packages", verbose_name=_("budget"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="plus_packages", verbose_name=_("municipality")
    )
    content = models.TextField(_("content"))

    class Meta:
        verbose_name = _("plus package")
        verbose_name_plural = _("plus packages")
        ordering = ["budget", "municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "municipality"], name="one_plus_package_per_municipality")
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.content[:40]}"


@receiver(m2m_changed, sender=PlanActivity.functions.through)
@receiver(m2m_changed, sender=PlanActivity.budget_lines.through)
def refuse_links_on_frozen_plan(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Linking functions or lines is a change of the plan too (and of a line, seen from the line)."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if isinstance(instance, PlanActivity):
        Budget.refuse_changes([instance.budget_id])
    elif isinstance(instance, BudgetLine):
        Budget.refuse_changes([instance.budget_id])
    elif pk_set:  # a function seen from its side: the activities it is linked to
        Budget.refuse_changes(PlanActivity.objects.filter(pk__in=pk_set).values_list("budget_id", flat=True))
