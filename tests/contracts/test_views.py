import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contracts.models import Contract, ContractLogEntry, Invoice, InvoiceStatus, add_months
from tests.factories import ContractFactory, InvoiceFactory

D = datetime.date


def text(response) -> str:
    return response.content.decode()


def contract_post(youth, region, **overrides):
    data = {
        "reference": "JGD-2026-900",
        "title": "Nieuw contract",
        "provider": youth["provider"].pk,
        "segment": youth["segment"].pk,
        "procedure": "tender",
        "funding_variant": "task",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "latest_end_date": "",
        "notice_months": "3",
        "ceiling": "100000.00",
        "tarief-TOTAL_FORMS": "0",
        "tarief-INITIAL_FORMS": "0",
        f"takes_part_{region['venlo'].pk}": "on",
        f"key_share_{region['venlo'].pk}": "60",
        f"takes_part_{region['weert'].pk}": "on",
        f"key_share_{region['weert'].pk}": "40",
    }
    data.update(overrides)
    return data


def invoice_post(youth, region, **overrides) -> dict:
    data = {
        "contract": youth["contract"].pk,
        "municipality": region["weert"].pk,
        "invoice_number": "NIEUW",
        "invoice_date": "06-05-2026",
        "period_start": "2026-04-01",
        "period_end": "2026-04-30",
        "amount": "10.00",
        "declaration_reference": "",
    }
    return data | overrides


def test_staff_logs_a_lump_sum_contract(login, users, youth, region):
    response = login(users["staff"]).post(reverse("contracts:create"), contract_post(youth, region))
    contract = Contract.objects.get(reference="JGD-2026-900")
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    assert sorted(contract.participations.values_list("municipality__slug", "key_share")) == [
        ("venlo", Decimal("60.00")),
        ("weert", Decimal("40.00")),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key_share_WEERT": "39.99"}, "tellen op tot 99,99 %, niet precies 100 %"),
        ({"key_share_WEERT": ""}, "verdeelsleutel nodig voor Weert"),
        ({"funding_variant": "effort"}, "alleen bij een taakgericht contract"),
        (
            {"takes_part_ROERMOND": "on", "key_share_ROERMOND": "0", "start_date": "2024-01-01"},
            "Roermond neemt van 01-01-2024 tot en met 31-12-2025 niet deel aan module 1",
        ),
        (
            {"takes_part_VENLO": "", "takes_part_WEERT": "", "key_share_VENLO": "", "key_share_WEERT": ""},
            "Kies ten minste één deelnemende gemeente",
        ),
        ({"end_date": "2025-01-01"}, "einddatum ligt vóór de begindatum"),
        ({"reference": "JGD-2024-001"}, "bestaat al"),
    ],
)
def test_bad_contract_input_is_explained_and_nothing_saved(login, users, youth, region, overrides, message):
    names = {"WEERT": region["weert"].pk, "VENLO": region["venlo"].pk, "ROERMOND": region["roermond"].pk}
    data = contract_post(youth, region)
    for key, value in overrides.items():
        for name, pk in names.items():
            key = key.replace(name, str(pk))
        data[key] = value
    before = Contract.objects.count()
    response = login(users["staff"]).post(reverse("contracts:create"), data)
    assert response.status_code == 200
    html = text(response).replace("&#x27;", "'")
    assert message in html
    assert 'value="Nieuw contract"' in html  # the user's input is kept
    assert Contract.objects.count() == before


def test_editing_a_contract_replaces_participants(login, users, youth, region):
    contract = youth["contract"]
    data = contract_post(
        youth,
        region,
        reference=contract.reference,
        funding_variant="effort",
        **{
            f"key_share_{region['venlo'].pk}": "",
            f"key_share_{region['weert'].pk}": "",
            f"takes_part_{region['weert'].pk}": "",
        },
    )
    response = login(users["manager"]).post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 302
    assert list(contract.participations.values_list("municipality__slug", flat=True)) == ["venlo"]


def test_invoice_registered_and_approved_by_a_colleague(login, users, youth, region, colleague, client):
    data = invoice_post(youth, region, invoice_number="2026-77", amount="1.234,56")
    response = login(users["staff"]).post(reverse("contracts:invoice_create"), data)
    invoice = Invoice.objects.get(invoice_number="2026-77")
    assert response["Location"] == invoice.get_absolute_url()
    assert (invoice.provider, invoice.registered_by, invoice.amount) == (
        youth["provider"],
        users["staff"],
        Decimal("1234.56"),
    )
    step = reverse("contracts:invoice_step", args=[invoice.pk])
    client.post(step, {"status": "checked"})
    refused = client.post(step, {"status": "approved"}, follow=True)
    assert "Vier ogen" in text(refused)
    client.force_login(colleague)
    client.post(step, {"status": "approved"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("municipality", "roermond", "neemt niet deel"),
        ("period_start", "2023-01-01", "buiten de contractperiode"),
        ("amount", "12,345", "achter de komma"),
        ("amount", "twaalf", "Voer een getal in"),
        ("invoice_number", "DUP", "heeft al een factuur met nummer DUP"),
    ],
)
def test_bad_invoice_input_is_explained_and_nothing_saved(login, users, youth, region, field, value, message):
    InvoiceFactory(contract=youth["contract"], municipality=region["weert"], invoice_number="DUP")
    data = invoice_post(youth, region)
    data[field] = region[value].pk if field == "municipality" else value
    before = Invoice.objects.count()
    response = login(users["staff"]).post(reverse("contracts:invoice_create"), data)
    assert response.status_code == 200
    assert message in text(response)
    assert Invoice.objects.count() == before


def test_bulk_approve_reports_refusals(login, users, youth, region, colleague):
    own = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=users["staff"])
    other = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], registered_by=colleague)
    for invoice in (own, other):
        invoice.mark_checked(by=colleague)
    response = login(users["staff"]).post(
        reverse("contracts:invoice_bulk"),
        {"action": "approved", "invoice": [own.pk, other.pk], "next": "/facturen/?status=checked"},
        follow=True,
    )
    html = text(response)
    assert response.redirect_chain[0][0] == "/facturen/?status=checked"
    assert "1 factuur is nu goedgekeurd" in html and f"{own.invoice_number}: Vier ogen" in html
    assert Invoice.objects.get(pk=other.pk).status == InvoiceStatus.APPROVED


def test_bulk_refuses_an_outside_redirect_and_empty_selection(login, users):
    response = login(users["staff"]).post(
        reverse("contracts:invoice_bulk"), {"action": "approved", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("contracts:invoices")


@pytest.mark.parametrize("role", ["db", "ab", "kwartiermaker", "contact_weert"])
def test_read_only_roles_cannot_write(login, users, youth, region, role):
    invoice = InvoiceFactory(contract=youth["contract"], municipality=region["weert"])
    client = login(users[role])
    assert client.post(reverse("contracts:invoice_step", args=[invoice.pk]), {"status": "checked"}).status_code == 403
    assert (
        client.post(reverse("contracts:invoice_bulk"), {"action": "checked", "invoice": [invoice.pk]}).status_code
        == 403
    )
    assert client.post(reverse("contracts:create"), contract_post(youth, region)).status_code == 403
    assert (
        client.post(
            reverse("contracts:log_add", args=[youth["contract"].pk]),
            {"kind": "visit", "date": "2026-01-01", "text": "x"},
        ).status_code
        == 403
    )
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.RECEIVED
    assert not Contract.objects.filter(reference="JGD-2026-900").exists()


def test_contact_sees_only_its_own_invoices_and_contracts(login, users, youth, region):
    venlo_only = ContractFactory(segment=youth["segment"], municipalities=[region["venlo"]])
    mine = InvoiceFactory(contract=youth["contract"], municipality=region["weert"], invoice_number="WEERT-1")
    theirs = InvoiceFactory(contract=youth["contract"], municipality=region["venlo"], invoice_number="VENLO-1")
    client = login(users["contact_weert"])
    listing = text(client.get(reverse("contracts:invoices")))
    assert "WEERT-1" in listing and "VENLO-1" not in listing
    assert client.get(reverse("contracts:invoice", args=[mine.pk])).status_code == 200
    assert client.get(reverse("contracts:invoice", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("contracts:detail", args=[venlo_only.pk])).status_code == 404
    detail = text(client.get(reverse("contracts:detail", args=[youth["contract"].pk])))
    assert "Logboek" not in detail and "Venlo" not in detail
    assert client.get(reverse("contracts:invoices") + "?export=csv").getvalue().decode().count("VENLO-1") == 0


def test_log_entries_are_removed_by_their_author_or_a_manager(login, users, youth, colleague):
    entry = ContractLogEntry.objects.create(
        contract=youth["contract"], kind="signal", date="2026-02-01", author=colleague, text="Signaal"
    )
    url = reverse("contracts:log_delete", args=[youth["contract"].pk, entry.pk])
    assert login(users["staff"]).post(url).status_code == 403
    assert login(colleague).post(url).status_code == 302
    assert not ContractLogEntry.objects.exists()


def test_log_entry_with_bad_input_is_not_saved(login, users, youth):
    response = login(users["staff"]).post(
        reverse("contracts:log_add", args=[youth["contract"].pk]),
        {"kind": "visit", "date": "31-02-2026", "text": ""},
        follow=True,
    )
    assert "niet opgeslagen" in text(response)
    assert not ContractLogEntry.objects.exists()


def test_filters_and_exports(login, users, youth, region):
    InvoiceFactory(
        contract=youth["contract"], municipality=region["weert"], amount=Decimal("1234.56"), invoice_number="A-1"
    )
    InvoiceFactory(
        contract=youth["contract"], municipality=region["venlo"], amount=Decimal("-20.00"), invoice_number="A-2"
    )
    client = login(users["staff"])
    url = reverse("contracts:invoices")
    assert "A-1" in text(client.get(url, {"amount_min": "1000"}))
    assert "A-1" not in text(client.get(url, {"amount_max": "0"}))
    assert "A-2" not in text(client.get(url, {"municipality": region["weert"].pk}))
    page = text(client.get(url))
    assert "2 facturen, samen €\u00a01.214,56" in page
    rows = list(
        csv.reader(
            io.StringIO(client.get(url, {"export": "csv", "sort": "amount"}).getvalue().decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert rows[0][:2] == ["factuurnummer", "factuurdatum"]
    assert [r[0] for r in rows[1:]] == ["A-2", "A-1"] and rows[2][8] == "1234,56"
    workbook = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content))
    sheet = workbook.active
    assert sheet.max_row == 3 and Decimal(str(sheet.cell(2, 9).value)) in {Decimal("1234.56"), Decimal("-20")}
    assert sheet.cell(1, 1).font.bold and sheet.freeze_panes == "A2"
    assert sheet.cell(2, 9).number_format == '"€" #,##0.00' and sheet.cell(2, 2).number_format == "dd-mm-yyyy"
    contracts = load_workbook(io.BytesIO(client.get(reverse("contracts:list"), {"export": "xlsx"}).content)).active
    assert contracts.cell(2, 1).value == "JGD-2024-001"


def test_contract_filters(login, users, youth, region):
    ContractFactory(
        reference="OUD-1",
        segment=youth["segment"],
        start_date=D(2020, 1, 1),
        end_date=D(2021, 12, 31),
        municipalities=[region["venlo"]],
    )
    client = login(users["staff"])
    html = text(client.get(reverse("contracts:list"), {"status": "ended"}))
    assert "OUD-1" in html and "JGD-2024-001" not in html
    assert "JGD-2024-001" in text(client.get(reverse("contracts:list"), {"q": "maasland"}))
    assert "OUD-1" not in text(client.get(reverse("contracts:list"), {"municipality": region["weert"].pk}))


@pytest.mark.parametrize(
    "sort", ["invoice_number", "-invoice_date", "amount", "-amount", "due_date", "status", "-period_start", "onzin"]
)
def test_every_sort_works(login, users, youth, region, sort):
    for i in range(3):
        InvoiceFactory(contract=youth["contract"], municipality=region["weert"], amount=Decimal(i))
    assert login(users["staff"]).get(reverse("contracts:invoices"), {"sort": sort}).status_code == 200


def test_invoice_list_query_count_does_not_grow(login, users, youth, region, django_assert_max_num_queries):
    from django.core.cache import cache

    client = login(users["staff"])
    InvoiceFactory.create_batch(60, contract=youth["contract"], municipality=region["weert"])

    def queries(params: dict) -> int:
        cache.clear()  # compare cold requests: the cached totals and filter panel save queries
        # 12, plus the SAVEPOINT/RELEASE pair of the request's transaction (ATOMIC_REQUESTS) that
        # exists only because the test itself runs in a transaction.
        with django_assert_max_num_queries(14) as context:
            client.get(reverse("contracts:invoices"), params)
        return len(context.captured_queries)

    assert queries({}) == queries({"page": 3, "sort": "amount"}) == queries({"status": "received", "page": 2})


def test_home_shows_the_work_queue_and_expiring_contracts(login, users, youth, region):
    InvoiceFactory(contract=youth["contract"], municipality=region["weert"])
    today = timezone.localdate()
    ContractFactory(
        reference="BIJNA-OM",
        segment=youth["segment"],
        start_date=D(2024, 1, 1),
        end_date=add_months(today, 4),
        notice_months=3,
        municipalities=[region["venlo"]],
    )
    ContractFactory(
        reference="OPZEG-VERSTREKEN",
        segment=youth["segment"],
        start_date=D(2024, 1, 1),
        end_date=add_months(today, 1),
        notice_months=3,
        municipalities=[region["venlo"]],
    )
    html = text(login(users["staff"]).get("/"))
    assert "1 ontvangen, te controleren" in html
    renew = html[html.index("Opzeggen nog mogelijk") : html.index("Opzegdatum verstreken")]
    ending = html[html.index("Opzegdatum verstreken") :]
    assert "BIJNA-OM" in renew and "OPZEG-VERSTREKEN" in ending and "OPZEG-VERSTREKEN" not in renew


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-1",
        "page=999999",
        "sort=<script>",
        "amount_min=abc",
        "amount_max=1e999",
        "period_from=31-02-2026",
        "status=bogus",
        "municipality=abc",
        "contract=999999",
        "overdue=maybe",
        "q=%00",
        "export=pdf",
    ],
)
def test_garbage_in_the_invoice_list_query_never_breaks(login, users, youth, region, query):
    InvoiceFactory(contract=youth["contract"], municipality=region["weert"])
    response = login(users["staff"]).get(reverse("contracts:invoices") + "?" + query)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["ending_within=-5", "ending_within=abc", "status=x", "segment=abc", "page=x", "sort=nonsense", "municipality=0"],
)
def test_garbage_in_the_contract_list_query_never_breaks(login, users, youth, query):
    assert login(users["staff"]).get(reverse("contracts:list") + "?" + query).status_code == 200


def test_cached_list_totals_follow_every_change(login, users, youth, region, colleague, staff_user):
    """The count and total are cached per filter; every kind of write must show at once."""
    client = login(users["staff"])
    url = reverse("contracts:invoices")

    def summary(**params) -> str:
        html = text(client.get(url, params))
        return html[html.index('<p class="result-bar">') : html.index("<span", html.index('<p class="result-bar">'))]

    assert "0 facturen" in summary()
    client.post(reverse("contracts:invoice_create"), invoice_post(youth, region, amount="100,00"))  # form save
    assert "1 factuur, samen €\u00a0100,00" in summary()
    assert "1 factuur" in summary(status="received")
    invoice = Invoice.objects.get()
    client.post(reverse("contracts:invoice_step", args=[invoice.pk]), {"status": "checked"})  # conditional update
    assert "0 facturen" in summary(status="received")
    from contracts.imports import import_invoices_csv

    import_invoices_csv(
        (
            b"aanbieder_agb;factuurnummer;factuurdatum;contract;gemeente;periode_van;periode_tot;bedrag\n"
            b"65656055;CSV-1;06-05-2026;JGD-2024-001;GM0988;01-04-2026;30-04-2026;50,00\n"
        ),
        by=staff_user,
    )  # bulk insert
    assert "2 facturen, samen €\u00a0150,00" in summary()


def test_cached_filter_panel_is_per_scope(client, users, youth, region):
    url = reverse("contracts:invoices")
    client.force_login(users["staff"])
    assert ">Venlo</option>" in text(client.get(url))
    client.force_login(users["contact_weert"])
    html = text(client.get(url))
    assert ">Weert</option>" in html and ">Venlo</option>" not in html
    client.force_login(users["staff"])
    assert 'value="2026-05-01"' in text(client.get(url, {"period_from": "01-05-2026"}))  # the user's input is shown


def test_tariffs_are_typed_the_dutch_way(login, users, youth, region):
    data = contract_post(
        youth,
        region,
        **{
            "tarief-TOTAL_FORMS": "1",
            "tarief-0-product_category": "45",
            "tarief-0-product_code": "45A03",
            "tarief-0-unit": "uur",
            "tarief-0-tariff": "85,50",
        },
    )
    assert login(users["staff"]).post(reverse("contracts:create"), data).status_code == 302
    assert str(Contract.objects.get(reference="JGD-2026-900").tariff_lines.get().tariff) == "85.50"
