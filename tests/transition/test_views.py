"""The transition pages: who gets what (every URL of the app against every role, and the wrong
method), bad input refused in Dutch without saving anything, the evidence PDF, the report pages and
PDF, and the kwartiermaker's home page.

The views use ``timezone.localdate()``: milestones are placed relative to it."""

from __future__ import annotations

import datetime
import io
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from django.utils import timezone
from pypdf import PdfReader

from entity.models import Function
from tests.factories import ModuleFactory
from transition import services, urls
from transition.models import (
    ChecklistItem,
    Criterion,
    Framework,
    GoNoGoDecision,
    Milestone,
    MunicipalityStep,
    Programme,
    ProgressReport,
    Risk,
    StaffingChange,
    StaffingLine,
)

D = datetime.date
DAY = datetime.timedelta(days=1)
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ROLES = ["staff", "manager", "db", "ab", "kwartiermaker", "contact_weert", "norole"]
INTERNAL = ["staff", "manager", "db", "ab", "kwartiermaker"]
READ = {**dict.fromkeys(INTERNAL, 200), "contact_weert": 200, "norole": 403}
TABLE = {**dict.fromkeys(INTERNAL, 200), "contact_weert": 403, "norole": 403}
KWARTIERMAKER = {**dict.fromkeys(ROLES, 403), "kwartiermaker": 200}
POST_ONLY = dict.fromkeys(ROLES, 405)
DRAFT = {**dict.fromkeys(INTERNAL, 404), "kwartiermaker": 200, "contact_weert": 404, "norole": 403}
EVIDENCE = {**dict.fromkeys(INTERNAL, 200), "contact_weert": 404, "norole": 403}

# url name -> (url kwargs by fixture key, expected GET status per role)
GET_EXPECTED = {
    "index": ({}, {**dict.fromkeys(INTERNAL, 302), "contact_weert": 302, "norole": 403}),
    "programme": ({"pk": "programme"}, READ),
    "milestone_add": ({"pk": "programme"}, KWARTIERMAKER),
    "milestone_edit": ({"pk": "programme", "milestone_pk": "late"}, KWARTIERMAKER),
    "steps": ({"pk": "programme", "milestone_pk": "consent"}, KWARTIERMAKER),
    "evidence": ({"pk": "programme", "milestone_pk": "with_file"}, EVIDENCE),
    "staffing": ({"pk": "programme"}, TABLE),
    "risks": ({"pk": "programme"}, TABLE),
    "risk_add": ({"pk": "programme"}, KWARTIERMAKER),
    "risk_edit": ({"pk": "programme", "item_pk": "risk"}, KWARTIERMAKER),
    "checklist_add": ({"pk": "programme"}, KWARTIERMAKER),
    "checklist_edit": ({"pk": "programme", "item_pk": "checklist"}, KWARTIERMAKER),
    "decision": ({"pk": "programme"}, KWARTIERMAKER),
    "framework_add": ({"pk": "programme"}, POST_ONLY),
    "report_new": ({"pk": "programme"}, POST_ONLY),
    "report": ({"pk": "issued"}, READ),
    "report_issue": ({"pk": "draft"}, POST_ONLY),
    "report_pdf": ({"pk": "issued"}, READ),
}
# The same pages for a draft report: the kwartiermaker's alone.
DRAFT_EXPECTED = {"report": ({"pk": "draft"}, DRAFT), "report_pdf": ({"pk": "draft"}, DRAFT)}
# What a POST gets: the POST-only views are the kwartiermaker's; the read pages refuse the method.
POST_EXPECTED = {
    "index": ({}, dict.fromkeys(ROLES, 405)),
    "programme": ({"pk": "programme"}, dict.fromkeys(ROLES, 405)),
    "evidence": ({"pk": "programme", "milestone_pk": "with_file"}, dict.fromkeys(ROLES, 405)),
    "risks": ({"pk": "programme"}, dict.fromkeys(ROLES, 405)),
    "report_pdf": ({"pk": "issued"}, dict.fromkeys(ROLES, 405)),
    "framework_add": ({"pk": "programme"}, {**dict.fromkeys(ROLES, 403), "kwartiermaker": 302}),
    "report_new": ({"pk": "programme"}, {**dict.fromkeys(ROLES, 403), "kwartiermaker": 302}),
    "report_issue": ({"pk": "draft"}, {**dict.fromkeys(ROLES, 403), "kwartiermaker": 302}),
    # Reading is not writing: an issued report takes no summary, not even from the kwartiermaker.
    "report": ({"pk": "issued"}, {**dict.fromkeys(INTERNAL, 403), "contact_weert": 403, "norole": 403}),
    # (An empty POST leaves the kwartiermaker's inventory form unbound: the page again.)
    # An empty form is a save too (every figure empty means zero): back to the page.
    "staffing": ({"pk": "programme"}, {**dict.fromkeys(ROLES, 403), "kwartiermaker": 302}),
    "milestone_edit": (
        {"pk": "programme", "milestone_pk": "late"},
        {**dict.fromkeys(ROLES, 403), "kwartiermaker": 200},
    ),
}


@pytest.fixture
def site(programme, add_milestone, kwartiermaker_user):
    """A programme as the views see it today: a late milestone, one due in 10 days that every
    municipality takes, one due in 31 days, one done with an evidence PDF, a risk, a checklist step,
    an issued report (Q2 2026) and a draft (Q3 2026)."""
    today = timezone.localdate()
    late = add_milestone("Plaatsingsbesluiten medewerkers", today - 10 * DAY, status="in_progress")
    consent = add_milestone("Financieel kader per college", today + 10 * DAY, per_municipality=True)
    services.ensure_steps(consent)
    later = add_milestone("Evaluatie aan het AB", today + 31 * DAY)
    with_file = add_milestone(
        "Inwerkingtreding", today - 40 * DAY, status="done", done_on=today - 40 * DAY, evidence="Publicatie"
    )
    with_file.evidence_file.save("besluit.pdf", io.BytesIO(PDF_BYTES))
    issued = ProgressReport.objects.create(programme=programme, year=2026, quarter=2, summary="Aangesloten.")
    services.issue_report(issued, by=kwartiermaker_user, on=D(2026, 7, 6))
    draft = ProgressReport.objects.create(programme=programme, year=2026, quarter=3)
    return {
        "today": today,
        "programme": programme.pk,
        "late": late.pk,
        "consent": consent.pk,
        "later": later.pk,
        "with_file": with_file.pk,
        "risk": Risk.objects.create(
            programme=programme, description="Uitstroom", probability=2, impact=3, owner="K"
        ).pk,
        "checklist": ChecklistItem.objects.create(programme=programme, title="Adviesaanvraag OR").pk,
        "issued": issued.pk,
        "draft": draft.pk,
    }


def _url(name: str, kwargs: dict, site: dict) -> str:
    return reverse(f"transition:{name}", kwargs={key: site[value] for key, value in kwargs.items()})


def _statuses(client, users, method: str, url: str) -> dict[str, int]:
    statuses = {}
    for role in ROLES:
        client.force_login(users[role])
        statuses[role] = getattr(client, method)(url).status_code
    return statuses


def test_every_url_of_the_app_is_in_the_matrix():
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(GET_EXPECTED)


@pytest.mark.parametrize("name", sorted(GET_EXPECTED))
def test_get_per_role(client, users, site, name):
    kwargs, expected = GET_EXPECTED[name]
    assert _statuses(client, users, "get", _url(name, kwargs, site)) == expected


@pytest.mark.parametrize("name", sorted(DRAFT_EXPECTED))
def test_a_draft_report_is_the_kwartiermakers(client, users, site, name):
    kwargs, expected = DRAFT_EXPECTED[name]
    assert _statuses(client, users, "get", _url(name, kwargs, site)) == expected


@pytest.mark.parametrize("name", sorted(POST_EXPECTED))
def test_post_per_role(client, users, site, name):
    kwargs, expected = POST_EXPECTED[name]
    assert _statuses(client, users, "post", _url(name, kwargs, site)) == expected


@pytest.mark.parametrize("name", sorted(GET_EXPECTED))
def test_anonymous_is_sent_to_the_login_page(client, site, name):
    kwargs, _expected = GET_EXPECTED[name]
    response = client.get(_url(name, kwargs, site))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_objects_are_404(login, users, site):
    client = login(users["kwartiermaker"])
    other = Programme.objects.create(name="Ander", module=ModuleFactory(), goal_date=D(2027, 1, 1))
    foreign = Milestone.objects.create(programme=other, name="Elders", responsible="AB", planned_end=D(2027, 1, 1))
    p = site["programme"]
    for url in (
        reverse("transition:programme", args=[999_999]),
        reverse("transition:milestone_edit", args=[p, foreign.pk]),  # a milestone of another programme
        reverse("transition:steps", args=[p, site["late"]]),  # not a milestone of every municipality
        reverse("transition:evidence", args=[p, site["late"]]),  # no file attached
        reverse("transition:risk_edit", args=[p, 999_999]),
        reverse("transition:report", args=[999_999]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_contact_sees_only_programmes_of_its_modules(login, users, site):
    other = Programme.objects.create(name="Elders", module=ModuleFactory(), goal_date=D(2027, 1, 1))
    contact = login(users["contact_weert"])
    assert contact.get(reverse("transition:programme", args=[other.pk])).status_code == 404
    index = contact.get(reverse("transition:index"))  # its one programme opens at once
    assert (index.status_code, index["Location"]) == (302, reverse("transition:programme", args=[site["programme"]]))
    # Staff sees both, so the index lists them.
    response = login(users["staff"]).get(reverse("transition:index"))
    assert response.status_code == 200
    assert "Elders" in response.content.decode() and "Aansluiting Midden-Limburg" in response.content.decode()


# --- The programme page per role -----------------------------------------------------------------


def test_the_kwartiermaker_sees_what_needs_attention_and_edits(login, users, site):
    response = login(users["kwartiermaker"]).get(reverse("transition:programme", args=[site["programme"]]))
    assert [t.name for t in response.templates][0] == "transition/programme.html"
    html = response.content.decode()
    attention = html.split('id="attention-title"')[1].split("</section>")[0]
    assert "Plaatsingsbesluiten medewerkers" in attention  # late
    assert "Financieel kader per college" in attention  # due in 10 days
    assert "Evaluatie aan het AB" not in attention  # 31 days: not yet
    assert "Inwerkingtreding" not in attention  # done
    assert reverse("transition:milestone_edit", args=[site["programme"], site["late"]]) in html
    assert reverse("transition:steps", args=[site["programme"], site["consent"]]) in html
    assert reverse("transition:evidence", args=[site["programme"], site["with_file"]]) in html
    assert reverse("transition:report", args=[site["draft"]]) in html
    assert "0 van 14" in html
    assert "te laat" in html


@pytest.mark.parametrize("role", ["staff", "manager", "db", "ab"])
def test_readers_see_the_programme_without_edit_links_or_drafts(login, users, site, role):
    response = login(users[role]).get(reverse("transition:programme", args=[site["programme"]]))
    html = response.content.decode()
    assert [t.name for t in response.templates][0] == "transition/programme.html"
    assert "Plaatsingsbesluiten medewerkers" in html
    assert reverse("transition:milestone_edit", args=[site["programme"], site["late"]]) not in html
    assert reverse("transition:steps", args=[site["programme"], site["consent"]]) not in html
    assert reverse("transition:report_new", args=[site["programme"]]) not in html
    assert reverse("transition:report", args=[site["issued"]]) in html
    assert reverse("transition:report", args=[site["draft"]]) not in html


def test_a_contact_sees_its_own_steps_and_the_issued_reports(login, users, site, region):
    weert = MunicipalityStep.objects.get(milestone_id=site["consent"], municipality=region["weert"])
    weert.done_on, weert.evidence = site["today"], "Collegebesluit Weert"
    weert.save()
    MunicipalityStep.objects.filter(milestone_id=site["consent"], municipality=region["venlo"]).update(
        evidence="Collegebesluit Venlo"
    )
    response = login(users["contact_weert"]).get(reverse("transition:programme", args=[site["programme"]]))
    assert [t.name for t in response.templates][0] == "transition/own_steps.html"
    html = response.content.decode()
    assert "De stappen van Weert" in html
    assert "Financieel kader per college" in html and "Collegebesluit Weert" in html
    assert "Collegebesluit Venlo" not in html
    assert "Plaatsingsbesluiten medewerkers" not in html  # not a step of Weert's
    assert reverse("transition:report", args=[site["issued"]]) in html
    assert reverse("transition:report", args=[site["draft"]]) not in html
    assert reverse("transition:staffing", args=[site["programme"]]) not in html


# --- Milestones ----------------------------------------------------------------------------------


def _milestone_data(**changes) -> dict:
    data = {
        "name": "Plaatsingsbesluiten medewerkers",
        "responsible": "kwartiermaker",
        "planned_start": "",
        "planned_end": "01-06-2026",
        "status": "in_progress",
        "done_on": "",
        "evidence": "",
    }
    return {**data, **changes}


def _form_errors(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert "De mijlpaal is niet opgeslagen." in html
    return html


def test_done_without_evidence_is_refused(login, users, site):
    url = reverse("transition:milestone_edit", args=[site["programme"], site["late"]])
    today = site["today"].strftime("%d-%m-%Y")
    html = _form_errors(login(users["kwartiermaker"]).post(url, _milestone_data(status="done", done_on=today)))
    assert "Geef het bewijsstuk: het besluit of document waaruit blijkt dat het gedaan is." in html
    milestone = Milestone.objects.get(pk=site["late"])
    assert (milestone.status, milestone.done_on, milestone.evidence) == ("in_progress", None, "")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"planned_end": "31-02-2026"}, "Vul een geldige datum in, bijvoorbeeld 01-01-2026."),
        ({"planned_end": "morgen"}, "Vul een geldige datum in, bijvoorbeeld 01-01-2026."),
        ({"planned_end": ""}, "Dit veld is verplicht."),
        ({"planned_start": "01-07-2026", "planned_end": "01-06-2026"}, "De periode begint na het einde."),
        ({"status": "done", "done_on": "", "evidence": "Besluit"}, "Geef de datum waarop het gedaan is."),
        ({"status": "planned", "done_on": "01-05-2026"}, "Alleen een gehaalde mijlpaal heeft een datum gedaan."),
        (
            {"status": "done", "evidence": "Besluit", "done_on": "future"},
            "De datum gedaan kan niet in de toekomst liggen.",
        ),
        ({"status": "late"}, "Selecteer een geldige keuze."),
    ],
)
def test_a_bad_milestone_is_not_saved(login, users, site, changes, message):
    if changes.get("done_on") == "future":
        changes = {**changes, "done_on": (site["today"] + DAY).strftime("%d-%m-%Y")}
    url = reverse("transition:milestone_add", args=[site["programme"]])
    count = Milestone.objects.count()
    html = _form_errors(login(users["kwartiermaker"]).post(url, _milestone_data(name="Nieuw", **changes)))
    assert message in html
    assert Milestone.objects.count() == count


def test_a_new_milestone_of_every_municipality_gets_its_steps(login, users, site):
    url = reverse("transition:milestone_add", args=[site["programme"]])
    data = _milestone_data(name="Raadsbesluit begroting 2027", per_municipality="on", planned_end="15-12-2026")
    response = login(users["kwartiermaker"]).post(url, data, follow=True)
    assert response.redirect_chain[0] == (reverse("transition:programme", args=[site["programme"]]) + "#mijlpalen", 302)
    assert "Mijlpaal ‘Raadsbesluit begroting 2027’ is opgeslagen." in response.content.decode()
    milestone = Milestone.objects.get(name="Raadsbesluit begroting 2027")
    assert (milestone.planned_end, milestone.status, milestone.per_municipality) == (
        D(2026, 12, 15),
        "in_progress",
        True,
    )
    assert milestone.steps.count() == 14


def test_a_non_pdf_evidence_file_is_refused(login, users, site, settings):
    url = reverse("transition:milestone_edit", args=[site["programme"], site["late"]])
    today = site["today"].strftime("%d-%m-%Y")
    fake = SimpleUploadedFile("besluit.pdf", b"PK\x03\x04 een docx met een pdf-naam", content_type="application/pdf")
    data = _milestone_data(status="done", done_on=today, evidence="Besluit", evidence_file=fake)
    html = _form_errors(login(users["kwartiermaker"]).post(url, data))
    assert "Het bestand is geen pdf-document." in html
    milestone = Milestone.objects.get(pk=site["late"])
    assert (milestone.status, milestone.evidence_file.name) == ("in_progress", "")
    stored = list((settings.PRIVATE_MEDIA_ROOT / "transition" / str(site["programme"])).iterdir())
    assert [p.name.endswith("-besluit.pdf") for p in stored] == [True]  # only the fixture's file


def test_a_pdf_with_another_extension_is_refused(login, users, site):
    url = reverse("transition:milestone_edit", args=[site["programme"], site["late"]])
    today = site["today"].strftime("%d-%m-%Y")
    upload = SimpleUploadedFile("besluit.docx", PDF_BYTES, content_type="application/pdf")
    html = _form_errors(
        login(users["kwartiermaker"]).post(url, _milestone_data(status="done", done_on=today, evidence_file=upload))
    )
    assert "Bestandsextensie ‘docx’ is niet toegestaan." in html
    assert Milestone.objects.get(pk=site["late"]).status == "in_progress"


def test_a_too_large_evidence_file_is_refused(login, users, site, settings):
    settings.DECISION_FILE_MAX_BYTES = 50
    url = reverse("transition:milestone_edit", args=[site["programme"], site["late"]])
    upload = SimpleUploadedFile("besluit.pdf", PDF_BYTES, content_type="application/pdf")
    html = _form_errors(login(users["kwartiermaker"]).post(url, _milestone_data(evidence_file=upload)))
    assert "Het bestand is " in html and "wordt aangenomen." in html
    assert not Milestone.objects.get(pk=site["late"]).evidence_file


def test_a_pdf_is_stored_and_only_the_entity_downloads_it(client, users, site, settings):
    url = reverse("transition:milestone_edit", args=[site["programme"], site["late"]])
    today = site["today"]
    upload = SimpleUploadedFile("besluit.pdf", PDF_BYTES, content_type="application/pdf")
    client.force_login(users["kwartiermaker"])
    data = _milestone_data(status="done", done_on=today.strftime("%d-%m-%Y"), evidence_file=upload)
    assert client.post(url, data).status_code == 302  # the file is the evidence: no text needed

    milestone = Milestone.objects.get(pk=site["late"])
    assert (milestone.status, milestone.done_on) == ("done", today)
    assert re.fullmatch(rf"transition/{site['programme']}/\d{{14}}-besluit(_\w+)?\.pdf", milestone.evidence_file.name)
    assert (settings.PRIVATE_MEDIA_ROOT / milestone.evidence_file.name).read_bytes() == PDF_BYTES

    evidence = reverse("transition:evidence", args=[site["programme"], milestone.pk])
    for role in ("kwartiermaker", "staff", "ab"):
        client.force_login(users[role])
        response = client.get(evidence)
        assert response.status_code == 200, role
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="bewijsstuk-mijlpaal-{milestone.pk}.pdf"'
        assert b"".join(response.streaming_content) == PDF_BYTES
    client.force_login(users["contact_weert"])
    assert client.get(evidence).status_code == 404
    client.force_login(users["norole"])
    assert client.get(evidence).status_code == 403

    # Saved again without a new file, it keeps the one it has.
    client.force_login(users["kwartiermaker"])
    data = _milestone_data(status="done", done_on=today.strftime("%d-%m-%Y"), evidence="Besluit 12")
    assert client.post(url, data).status_code == 302
    milestone.refresh_from_db()
    assert milestone.evidence_file and milestone.evidence == "Besluit 12"


# --- Steps per municipality ----------------------------------------------------------------------


def _steps_data(milestone_pk: int, **done: str) -> dict:
    data = {}
    for step in MunicipalityStep.objects.filter(milestone_id=milestone_pk).select_related("municipality"):
        data[f"done_{step.pk}"] = done.get(step.municipality.slug, "")
        data[f"evidence_{step.pk}"] = "Collegebesluit" if step.municipality.slug in done else ""
    return data


def test_a_step_done_in_the_future_is_refused(login, users, site):
    url = reverse("transition:steps", args=[site["programme"], site["consent"]])
    tomorrow = (site["today"] + DAY).strftime("%d-%m-%Y")
    today = site["today"].strftime("%d-%m-%Y")
    response = login(users["kwartiermaker"]).post(url, _steps_data(site["consent"], weert=tomorrow, venlo=today))
    assert response.status_code == 200
    html = response.content.decode()
    assert "De stappen zijn niet opgeslagen." in html
    assert "De datum gedaan kan niet in de toekomst liggen." in html
    assert not MunicipalityStep.objects.filter(done_on__isnull=False).exists()  # Venlo's neither


def test_a_bad_step_date_is_refused(login, users, site):
    url = reverse("transition:steps", args=[site["programme"], site["consent"]])
    response = login(users["kwartiermaker"]).post(url, _steps_data(site["consent"], weert="32-13-2025"))
    assert "Vul een geldige datum in, bijvoorbeeld 01-01-2026." in response.content.decode()
    assert not MunicipalityStep.objects.filter(done_on__isnull=False).exists()


def test_steps_are_saved_and_counted(login, users, site, region):
    url = reverse("transition:steps", args=[site["programme"], site["consent"]])
    today = site["today"]
    client = login(users["kwartiermaker"])
    page = client.get(url).content.decode()
    assert page.count('type="date"') == 14
    response = client.post(
        url, _steps_data(site["consent"], weert=today.strftime("%d-%m-%Y"), venlo=today.isoformat()), follow=True
    )
    html = response.content.decode()
    assert "De stappen van de gemeenten zijn opgeslagen." in html
    assert "2 van 14" in html
    done = MunicipalityStep.objects.filter(done_on__isnull=False)
    assert sorted((s.municipality.slug, s.done_on, s.evidence) for s in done) == [
        ("venlo", today, "Collegebesluit"),
        ("weert", today, "Collegebesluit"),
    ]


# --- The inventory -------------------------------------------------------------------------------


def test_the_inventory_refuses_text_for_a_number(login, users, site):
    f1 = Function.objects.get(number=1).pk
    url = reverse("transition:staffing", args=[site["programme"]])
    data = {f"fte_{f1}_NL": "abc", f"people_{f1}_NL": "1", f"people_{f1}_MLW": "twee"}
    response = login(users["kwartiermaker"]).post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "De inventarisatie is niet opgeslagen." in html
    assert html.count("Voer een getal in.") == 1 and "Voer een geheel getal in." in html
    assert not StaffingLine.objects.exists() and not StaffingChange.objects.exists()


def test_the_inventory_refuses_negative_figures(login, users, site):
    f1 = Function.objects.get(number=1).pk
    url = reverse("transition:staffing", args=[site["programme"]])
    response = login(users["kwartiermaker"]).post(url, {f"fte_{f1}_NL": "-1", f"people_{f1}_NL": "1"})
    assert "Zorg ervoor dat deze waarde minstens 0 is." in response.content.decode()
    assert not StaffingLine.objects.exists() and not StaffingChange.objects.exists()


def test_the_inventory_takes_dutch_decimals_and_logs_the_changes(login, users, site):
    f1, f2 = (Function.objects.get(number=n).pk for n in (1, 2))
    url = reverse("transition:staffing", args=[site["programme"]])
    client = login(users["kwartiermaker"])
    data = {f"fte_{f1}_NL": "0,8", f"people_{f1}_NL": "1", f"fte_{f2}_MLO": "1,50", f"people_{f2}_MLO": "2"}
    response = client.post(url, data, follow=True)
    assert "De inventarisatie is opgeslagen (4 wijzigingen)." in response.content.decode()
    html = response.content.decode()
    assert "Nu, in drie regio’s: 1 eenpitter." in html  # Function 1 in NL rests on one person ...
    assert "Op de gezamenlijke schaal blijft 1 eenpitter over." in html  # ... and still does after merging
    assert StaffingChange.objects.count() == 4
    line = StaffingLine.objects.get(function_id=f1, region="NL")
    assert (str(line.fte), line.people) == ("0.80", 1)
    # The page shows the change to readers too.
    html = login(users["ab"]).get(url).content.decode()
    assert "0,80" in html and "<form" not in html.split("<main")[1]


# --- Risks, checklist, decision, frameworks ------------------------------------------------------


def test_a_risk_without_description_is_refused(login, users, site):
    url = reverse("transition:risk_add", args=[site["programme"]])
    data = {"kind": "risk", "description": "", "probability": "2", "impact": "3", "owner": "K", "status": "open"}
    response = login(users["kwartiermaker"]).post(url, data)
    assert "Dit veld is verplicht." in response.content.decode()
    assert Risk.objects.count() == 1
    response = login(users["kwartiermaker"]).post(url, {**data, "description": "Systemen niet gekoppeld"})
    assert response.status_code == 302 and response["Location"] == reverse("transition:risks", args=[site["programme"]])
    assert Risk.objects.count() == 2


def test_a_checklist_step_with_a_bad_date_is_refused(login, users, site):
    url = reverse("transition:checklist_edit", args=[site["programme"], site["checklist"]])
    data = {"title": "Adviesaanvraag OR", "basis": "WOR art. 25", "done_on": "20-05-20x5", "note": ""}
    response = login(users["kwartiermaker"]).post(url, data)
    assert "Vul een geldige datum in, bijvoorbeeld 01-01-2026." in response.content.decode()
    assert ChecklistItem.objects.get(pk=site["checklist"]).done_on is None
    assert login(users["kwartiermaker"]).post(url, {**data, "done_on": "20-05-2025"}).status_code == 302
    assert ChecklistItem.objects.get(pk=site["checklist"]).done_on == D(2025, 5, 20)


def test_the_decision_with_a_bad_date_saves_nothing(login, users, site, programme):
    criterion = Criterion.objects.create(programme=programme, text="Alle raden stemmen in")
    url = reverse("transition:decision", args=[site["programme"]])
    data = {
        f"a-assessment_{criterion.pk}": "met",
        f"a-note_{criterion.pk}": "Raadsbesluiten sept.-nov.",
        "d-decided_on": "3 december",
        "d-body": "AB",
        "d-outcome": "go",
    }
    client = login(users["kwartiermaker"])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Vul een geldige datum in, bijvoorbeeld 01-01-2026." in response.content.decode()
    criterion.refresh_from_db()
    assert criterion.assessment == "open"  # the assessment waits for the decision to be valid
    assert not GoNoGoDecision.objects.exists()

    response = client.post(url, {**data, "d-decided_on": "03-12-2025"}, follow=True)
    assert "De go/no-go-beoordeling is opgeslagen." in response.content.decode()
    criterion.refresh_from_db()
    assert (criterion.assessment, criterion.note) == ("met", "Raadsbesluiten sept.-nov.")
    decision = GoNoGoDecision.objects.get()
    assert (decision.decided_on, decision.body, decision.outcome) == (D(2025, 12, 3), "AB", "go")


def test_a_framework_without_text_is_not_added(login, users, site):
    url = reverse("transition:framework_add", args=[site["programme"]])
    client = login(users["kwartiermaker"])
    response = client.post(url, {"f-kind": "keep", "f-text": ""}, follow=True)
    assert "Het kader is niet toegevoegd: geef de soort en de tekst." in response.content.decode()
    assert not Framework.objects.exists()
    response = client.post(url, {"f-kind": "reach", "f-text": "Geen eenpitters meer."}, follow=True)
    assert "Het kader is toegevoegd." in response.content.decode()
    assert Framework.objects.get().kind == "reach"


# --- Reports -------------------------------------------------------------------------------------


def _quarter(date: datetime.date) -> tuple[int, int]:
    return date.year, (date.month - 1) // 3 + 1


def test_the_kwartiermaker_starts_writes_and_issues_a_report(login, users, site, programme):
    today = site["today"]
    ProgressReport.objects.filter(pk=site["draft"]).delete()
    client = login(users["kwartiermaker"])
    done = Milestone.objects.get(pk=site["late"])
    done.status, done.done_on, done.evidence = "done", today, "Plaatsingsbesluiten"
    done.save()

    expected = services.next_quarter(programme, today)
    response = client.post(reverse("transition:report_new", args=[programme.pk]))
    report = ProgressReport.objects.get(programme=programme, issued_on__isnull=True)
    assert (report.year, report.quarter) == expected
    assert response["Location"] == reverse("transition:report", args=[report.pk])

    page = client.get(response["Location"]).content.decode()
    assert "Concept" in page and "Deze rapportage uitbrengen" in page

    url = reverse("transition:report", args=[report.pk])
    response = client.post(url, {"summary": "De plaatsingen zijn rond."}, follow=True)
    assert "De samenvatting is opgeslagen." in response.content.decode()
    response = client.post(reverse("transition:report_issue", args=[report.pk]), follow=True)
    html = response.content.decode()
    assert f"{report} is uitgebracht en verandert niet meer." in html
    assert "Deze rapportage ligt vast" in html
    report.refresh_from_db()
    assert (report.issued_on, report.issued_by, report.summary) == (
        today,
        users["kwartiermaker"],
        "De plaatsingen zijn rond.",
    )
    assert report.content["summary"] == "De plaatsingen zijn rond."
    if expected == _quarter(today):  # the report of this quarter has what was done today
        assert "Plaatsingsbesluiten medewerkers" in [m["name"] for m in report.content["done"]]

    response = client.post(reverse("transition:report_issue", args=[report.pk]), follow=True)
    assert "Deze rapportage is al uitgebracht." in response.content.decode()
    assert client.post(url, {"summary": "Achteraf"}).status_code == 403
    report.refresh_from_db()
    assert report.summary == "De plaatsingen zijn rond."


def test_report_new_takes_the_next_free_quarter(login, users, site, programme):
    client = login(users["kwartiermaker"])
    before = set(ProgressReport.objects.values_list("year", "quarter"))
    expected = services.next_quarter(programme, site["today"])
    client.post(reverse("transition:report_new", args=[programme.pk]))
    following = services.next_quarter(programme, site["today"])
    client.post(reverse("transition:report_new", args=[programme.pk]))
    after = set(ProgressReport.objects.values_list("year", "quarter"))
    assert after - before == {expected, following}
    assert following == ((expected[0] + 1, 1) if expected[1] == 4 else (expected[0], expected[1] + 1))


def test_a_reader_reads_the_issued_report_as_issued(login, users, site, programme):
    """The content shown is the stored one: a later change in the programme does not show."""
    Milestone.objects.filter(pk=site["with_file"]).update(name="Hernoemd na uitbrengen")
    response = login(users["ab"]).get(reverse("transition:report", args=[site["issued"]]))
    html = response.content.decode()
    assert "Voortgangsrapportage Q2 2026" in html
    assert 'Uitgebracht op <time datetime="2026-07-06">06-07-2026</time>' in html
    assert "Aangesloten." in html
    assert "Inwerkingtreding" in html and "Hernoemd na uitbrengen" not in html
    assert "<textarea" not in html and "Deze rapportage uitbrengen" not in html
    assert reverse("transition:report_pdf", args=[site["issued"]]) in html


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


@pytest.mark.parametrize("role", ["kwartiermaker", "ab", "contact_weert"])
def test_the_report_pdf(client, users, programme, add_milestone, role, caplog):
    today = timezone.localdate()
    year, quarter = _quarter(today)
    add_milestone("Raadsbesluit toetreding", today, status="done", done_on=today, evidence="Raadsbesluit 12")
    add_milestone("Evaluatie na één jaar", today + 200 * DAY)
    report = ProgressReport.objects.create(programme=programme, year=year, quarter=quarter, summary="Op koers.")
    services.issue_report(report, by=users["kwartiermaker"], on=today)

    caplog.set_level(logging.WARNING, logger="weasyprint")
    client.force_login(users[role])
    response = client.get(reverse("transition:report_pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="voortgangsrapportage-{year}-q{quarter}.pdf"'
    text = _pdf_text(response.content)
    assert f"Voortgangsrapportage Q{quarter} {year}" in text
    assert "Raadsbesluit toetreding" in text
    assert "Mijlpalen gehaald dit kwartaal" in text
    assert "Op koers." in text
    assert "Uitgebracht op" in text and "concept" not in text.lower()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_the_draft_report_pdf_says_it_is_a_draft(login, users, site, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    response = login(users["kwartiermaker"]).get(reverse("transition:report_pdf", args=[site["draft"]]))
    assert response.status_code == 200
    text = _pdf_text(response.content)
    # "Status Concept" on the first page; the running title ("– concept") only from page 2 on,
    # and a draft's length follows today's date (it is computed live), so that is not asserted.
    assert "Voortgangsrapportage Q3 2026" in text and "Status Concept" in text
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


# --- The home page -------------------------------------------------------------------------------

HOME_SECTION = "Overgang: te laat of binnen 30 dagen"


def test_the_kwartiermakers_home_page_lists_late_and_due_milestones(login, users, site):
    html = login(users["kwartiermaker"]).get(reverse("home")).content.decode()
    assert HOME_SECTION in html
    section = html.split('id="programme-title"')[1].split("</section>")[0]
    assert "Aansluiting Midden-Limburg bij module 1" in section
    assert "Plaatsingsbesluiten medewerkers" in section and "te laat" in section
    assert "Financieel kader per college" in section and "binnenkort" in section
    assert "Evaluatie aan het AB" not in section  # due in 31 days
    assert "Inwerkingtreding" not in section  # done
    assert reverse("transition:milestone_edit", args=[site["programme"], site["late"]]) in section


def test_the_kwartiermakers_home_page_when_nothing_is_pressing(login, users, programme, add_milestone):
    add_milestone("Ver weg", timezone.localdate() + 60 * DAY)
    html = login(users["kwartiermaker"]).get(reverse("home")).content.decode()
    assert HOME_SECTION in html
    assert "Niets is te laat of binnen 30 dagen aan de beurt." in html


@pytest.mark.parametrize("role", ["staff", "manager", "db", "ab", "contact_weert", "norole"])
def test_other_roles_get_no_transition_section_on_their_home_page(login, users, site, role):
    response = login(users[role]).get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert HOME_SECTION not in html
    assert 'id="programme-title"' not in html
