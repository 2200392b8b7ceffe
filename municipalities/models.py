"""The municipalities of Noord- and Midden-Limburg and their population counts."""

from __future__ import annotations

import datetime

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

cbs_code_validator = RegexValidator(
    regex=r"^GM\d{4}\Z",
    message=_("A CBS code is 'GM' followed by four digits, for example GM0988."),
    code="invalid_cbs_code",
)


class Region(models.TextChoices):
    NOORD_LIMBURG = "NL", _("Noord-Limburg")
    MIDDEN_LIMBURG_WEST = "MLW", _("Midden-Limburg West")
    MIDDEN_LIMBURG_OOST = "MLO", _("Midden-Limburg Oost")


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    def with_inhabitants_on(self, date: datetime.date) -> MunicipalityQuerySet:
        """Annotate ``inhabitants`` and ``inhabitants_date``: the latest count on or before date."""
        latest = PopulationCount.objects.filter(
            municipality=OuterRef("pk"), reference_date__lte=date
        ).order_by("-reference_date")
        return self.annotate(
            inhabitants=Subquery(latest.values("inhabitants")[:1]),
            inhabitants_date=Subquery(latest.values("reference_date")[:1]),
            inhabitants_estimated=Subquery(latest.values("estimated")[:1]),
        )


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name in web addresses"), max_length=100, unique=True)
    cbs_code = models.CharField(
        _("CBS code"),
        max_length=6,
        unique=True,
        validators=[cbs_code_validator],
        help_text=_("'GM' followed by four digits, as used by CBS, for example GM0988."),
    )
    region = models.CharField(_("region"), max_length=3, choices=Region.choices)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cbs_code__regex=r"^GM[0-9]{4}$"), name="municipality_cbs_code_format"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("municipalities:detail", args=[self.slug])

    @property
    def cbs_number(self) -> str:
        """The four digits without 'GM', as the national message standards use them."""
        return self.cbs_code[2:]

    def population_on(self, date: datetime.date) -> PopulationCount | None:
        """The latest count on or before ``date`` (None when there is none)."""
        return (
            self.population_counts.filter(reference_date__lte=date)
            .order_by("-reference_date")
            .first()
        )

    def inhabitants_on(self, date: datetime.date) -> int | None:
        count = self.population_on(date)
        return count.inhabitants if count else None


class PopulationCount(models.Model):
    """Number of inhabitants on a reference date (peildatum), with where the figure came from."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="population_counts",
        verbose_name=_("municipality"),
    )
    reference_date = models.DateField(_("reference date"))
    inhabitants = models.PositiveIntegerField(_("inhabitants"))
    source = models.CharField(_("source"), max_length=255)
    estimated = models.BooleanField(
        _("estimate"), default=False,
        help_text=_("Not a published CBS figure; replace it through the CBS import."))

    class Meta:
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")
        ordering = ["municipality", "-reference_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reference_date"], name="one_count_per_reference_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.reference_date:%d-%m-%Y}: {self.inhabitants}"
