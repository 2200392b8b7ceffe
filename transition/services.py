"""The transition programme as plain functions: step counts, vulnerability, the timeline and the
quarterly progress report (computed while a draft, stored when issued)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from entity.models import Function
from municipalities.models import Municipality, Region
from transition.models import (
    DUE_SOON_DAYS,
    Milestone,
    MilestoneStatus,
    MunicipalityStep,
    Programme,
    ProgressReport,
    Risk,
    RiskStatus,
    StaffingChange,
    StaffingLine,
)

# --- Milestones ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepCount:
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def ensure_steps(milestone: Milestone) -> None:
    """A step for every municipality of the programme, for a milestone each must take itself."""
    if not milestone.per_municipality:
        return
    have = set(milestone.steps.values_list("municipality_id", flat=True))
    MunicipalityStep.objects.bulk_create(
        MunicipalityStep(milestone=milestone, municipality=m)
        for m in milestone.programme.municipalities()
        if m.pk not in have
    )


def step_counts(programme: Programme) -> dict[int, StepCount]:
    """Per milestone id that every municipality takes: how many have done it, of how many."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    steps = MunicipalityStep.objects.filter(milestone__programme=programme, milestone__per_municipality=True)
    for milestone_id, done_on in steps.values_list("milestone_id", "done_on"):
        counts[milestone_id][1] += 1
        counts[milestone_id][0] += done_on is not None
    return {pk: StepCount(done, total) for pk, (done, total) in counts.items()}


def attention(programme: Programme, today: datetime.date) -> tuple[list[Milestone], list[Milestone]]:
    """What is late, and what is due within 30 days (the kwartiermaker's home page)."""
    milestones = programme.milestones.all()
    return list(milestones.late(today)), list(milestones.due_within(today, DUE_SOON_DAYS))


@transaction.atomic
def mark_done(milestone: Milestone, *, on: datetime.date, evidence: str, evidence_file=None) -> None:
    """Done needs a date and evidence (a decision or a document)."""
    if not evidence.strip() and not evidence_file and not milestone.evidence_file:
        raise ValidationError(_("Give the evidence: the decision or document that shows it is done."))
    milestone.status, milestone.done_on, milestone.evidence = MilestoneStatus.DONE, on, evidence.strip()
    fields = ["status", "done_on", "evidence"]
    if evidence_file:
        milestone.evidence_file = evidence_file
        fields.append("evidence_file")
    milestone.full_clean(exclude=["programme"])
    milestone.save(update_fields=fields)


# --- The function inventory ---------------------------------------------------------------------


@dataclass
class FunctionRow:
    function: Function
    lines: dict[str, StaffingLine | None]

    @property
    def people(self) -> int:
        return sum(line.people for line in self.lines.values() if line)

    @property
    def fte(self) -> Decimal:
        return sum((line.fte for line in self.lines.values() if line), Decimal(0))

    @property
    def one_person_regions(self) -> list[str]:
        return [line.get_region_display() for line in self.lines.values() if line and line.one_person]

    @property
    def one_person_after(self) -> bool:
        """Still a one-person function at the combined scale."""
        return self.people == 1


@dataclass
class Inventory:
    rows: list[FunctionRow]

    @property
    def one_person_before(self) -> int:
        """One-person functions counted per region, as the three regions work today."""
        return sum(len(r.one_person_regions) for r in self.rows)

    @property
    def one_person_after(self) -> int:
        return sum(r.one_person_after for r in self.rows)

    def total(self, attribute: str, region: str | None = None) -> Decimal:
        values = [
            getattr(line, attribute)
            for row in self.rows
            for code, line in row.lines.items()
            if line and (region is None or code == region)
        ]
        return sum((Decimal(v) for v in values), Decimal(0))


def inventory(programme: Programme) -> Inventory:
    lines = {(line.function_id, line.region): line for line in programme.staffing.all()}
    return Inventory(
        [
            FunctionRow(f, {code: lines.get((f.pk, code)) for code in Region.values})
            for f in Function.objects.order_by("number")
        ]
    )


FIELDS = ("fte", "people", "vacancies", "hired_fte")


def field_label(field: str) -> str:
    return str(StaffingLine._meta.get_field(field).verbose_name)


@transaction.atomic
def save_inventory(programme: Programme, values: dict[tuple[int, str], dict], *, by) -> int:
    """Store the inventory; every changed figure is logged for the next progress report."""
    existing = {(line.function_id, line.region): line for line in programme.staffing.select_for_update()}
    changed = 0
    for (function_id, region), figures in values.items():
        line = existing.get((function_id, region))
        if line is None:
            if not any(figures.values()):
                continue
            line = StaffingLine.objects.create(programme=programme, function_id=function_id, region=region, **figures)
            changes = [(f, Decimal(0), Decimal(figures[f])) for f in FIELDS if figures[f]]
        else:
            changes = [
                (f, Decimal(getattr(line, f)), Decimal(figures[f])) for f in FIELDS if getattr(line, f) != figures[f]
            ]
            if changes:
                for f, _before, _after in changes:
                    setattr(line, f, figures[f])
                line.save(update_fields=[f for f, *_rest in changes])
        StaffingChange.objects.bulk_create(
            StaffingChange(line=line, field=f, before=before, after=after, by=by) for f, before, after in changes
        )
        changed += len(changes)
    return changed


# --- The timeline -------------------------------------------------------------------------------

TIMELINE_WIDTH = 640
TIMELINE_LABEL = 230
ROW = 18


@dataclass(frozen=True)
class TimelineRow:
    name: str
    status: str
    status_label: str
    x: int
    width: int
    y: int
    done_x: int | None

    @property
    def text_y(self) -> int:
        return self.y + 12

    @property
    def mark_x(self) -> int:
        return self.x + self.width


@dataclass(frozen=True)
class Timeline:
    rows: list[TimelineRow]
    ticks: list[tuple[int, str]]
    today_x: int | None
    width: int = TIMELINE_WIDTH
    label_width: int = TIMELINE_LABEL

    @property
    def height(self) -> int:
        return len(self.rows) * ROW + 24

    @property
    def axis_y(self) -> int:
        return len(self.rows) * ROW + 4


def timeline(milestones: list[dict], today: datetime.date) -> Timeline:
    """Milestones as bars on a time axis (a period as a bar, a date as a short block); done ones
    solid black, open ones outlined, late ones hatched: readable in black and white."""
    if not milestones:
        return Timeline([], [], None)
    dates = [m["planned_start"] or m["planned_end"] for m in milestones] + [m["planned_end"] for m in milestones]
    dates += [m["done_on"] for m in milestones if m["done_on"]]
    first = min(datetime.date.fromisoformat(d) for d in dates).replace(day=1)
    last = max(datetime.date.fromisoformat(d) for d in dates)
    last = (last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)  # the next month's first
    span = max((last - first).days, 1)
    room = TIMELINE_WIDTH - TIMELINE_LABEL - 30  # room for the last month's label

    def x(date: datetime.date) -> int:
        return TIMELINE_LABEL + int(room * (date - first).days / span)

    rows = []
    for i, m in enumerate(milestones):
        end = datetime.date.fromisoformat(m["planned_end"])
        start = datetime.date.fromisoformat(m["planned_start"]) if m["planned_start"] else end
        done = datetime.date.fromisoformat(m["done_on"]) if m["done_on"] else None
        rows.append(
            TimelineRow(
                m["name"],
                m["status"],
                m["status_label"],
                x(start),
                max(x(end) - x(start), 6),
                i * ROW + 2,
                x(done) if done else None,
            )
        )
    ticks = []
    month = first
    step = 1 if span <= 400 else 3
    while month <= last:
        ticks.append((x(month), f"{month:%m-%Y}"))
        for _step in range(step):
            month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    today_x = x(today) if first <= today <= last else None
    return Timeline(rows, ticks, today_x)


def report_timeline(content: dict) -> Timeline:
    """The timeline of a report, with the line for the date it describes."""
    return timeline(content["milestones"], datetime.date.fromisoformat(content["as_of"]))


# --- The quarterly progress report --------------------------------------------------------------


def _milestone_dict(m: Milestone, today: datetime.date, counts: dict[int, StepCount]) -> dict:
    count = counts.get(m.pk)
    done_by_then = m.done_on is not None and m.done_on <= today
    return {
        "name": m.name,
        "responsible": m.get_responsible_display(),
        "planned_start": m.planned_start.isoformat() if m.planned_start else None,
        "planned_end": m.planned_end.isoformat(),
        "status": m.status_on(today),
        "status_label": m.status_label(today),
        "done_on": m.done_on.isoformat() if done_by_then else None,
        "evidence": m.evidence if done_by_then else "",
        "steps_done": count.done if count else None,
        "steps_total": count.total if count else None,
    }


def report_content(report: ProgressReport, today: datetime.date) -> dict:
    """Everything the report shows, as plain data: what is issued is exactly what was shown. Its
    labels are stored in Dutch, whoever issues it (a report is a document for the councils)."""
    with translation.override("nl"):
        return _report_content(report, today)


def _report_content(report: ProgressReport, today: datetime.date) -> dict:
    programme = report.programme
    first, last = report.period
    as_of = min(today, last)
    counts = step_counts(programme)
    milestones = list(programme.milestones.all())
    done = [m for m in milestones if m.done_on and first <= m.done_on <= last]
    late = [m for m in milestones if m.status_on(as_of) == MilestoneStatus.LATE]
    coming = [
        m
        for m in milestones
        if m.status != MilestoneStatus.DONE and last < m.planned_end <= last + datetime.timedelta(days=92)
    ]
    changes = StaffingChange.objects.filter(line__programme=programme, at__date__range=(first, last)).select_related(
        "line__function"
    )
    stock = inventory(programme)
    risks = Risk.objects.filter(programme=programme).exclude(status=RiskStatus.CLOSED)
    return {
        "period": [first.isoformat(), last.isoformat()],
        "as_of": as_of.isoformat(),
        "programme": programme.name,
        "goal_date": programme.goal_date.isoformat(),
        "summary": report.summary,
        "milestones": [_milestone_dict(m, as_of, counts) for m in milestones],
        "done": [_milestone_dict(m, as_of, counts) for m in done],
        "late": [_milestone_dict(m, as_of, counts) for m in late],
        "coming": [_milestone_dict(m, as_of, counts) for m in coming],
        "inventory_changes": [
            {
                "function": str(c.line.function),
                "region": c.line.get_region_display(),
                "field": field_label(c.field),
                "before": str(c.before),
                "after": str(c.after),
                "on": c.at.date().isoformat(),
            }
            for c in changes
        ],
        "one_person_before": stock.one_person_before,
        "one_person_after": stock.one_person_after,
        "fte": str(stock.total("fte")),
        "vacancies": str(stock.total("vacancies")),
        "hired_fte": str(stock.total("hired_fte")),
        "risks": [
            {
                "kind": r.get_kind_display(),
                "description": r.description,
                "probability": r.get_probability_display(),
                "impact": r.get_impact_display(),
                "score": r.score,
                "owner": r.owner,
                "measure": r.measure,
                "status": r.get_status_display(),
            }
            for r in sorted(risks, key=lambda r: (-r.score, r.pk))
        ],
    }


def content_of(report: ProgressReport, today: datetime.date) -> dict:
    """The stored content of an issued report, or the live content of a draft."""
    return report.content if report.is_issued else report_content(report, today)


@transaction.atomic
def issue_report(report: ProgressReport, *, by, on: datetime.date) -> None:
    """Freeze the report: its content is stored and never recomputed; later edits go in the next."""
    locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_issued:
        raise ValidationError(_("This report has already been issued."))
    locked.content = report_content(locked, on)
    locked.issued_on, locked.issued_by = on, by
    locked.save(update_fields=["content", "issued_on", "issued_by"])
    report.refresh_from_db()


def next_quarter(programme: Programme, today: datetime.date) -> tuple[int, int]:
    """The quarter of a new report: today's, or the one after the latest report."""
    latest = programme.reports.order_by("-year", "-quarter").first()
    quarter = (today.month - 1) // 3 + 1
    if latest is None or (latest.year, latest.quarter) < (today.year, quarter):
        return today.year, quarter
    return (latest.year + 1, 1) if latest.quarter == 4 else (latest.year, latest.quarter + 1)


def own_steps(programme: Programme, municipality: Municipality) -> list[MunicipalityStep]:
    return list(
        MunicipalityStep.objects.filter(milestone__programme=programme, municipality=municipality)
        .select_related("milestone")
        .order_by("milestone__planned_end")
    )
