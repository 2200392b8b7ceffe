"""The monitor's stored figures follow every change to the lines, to the cent, and check_monitor
says so (or names the difference)."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from contracts.models import Invoice, InvoiceLine, TariffLine
from monitor import figures
from monitor.models import ClientYear, MonthFigure, euros
from tests.factories import ContractFactory
from tests.traffic.builders import Performance, Product, allocation, answer, declaration
from tests.traffic.conftest import AGB, BSNS, WEERT
from traffic.imports import import_message


def perfs():
    return [
        Performance(BSNS[0], "RN001", "10072", Decimal("50.00")),
        Performance(BSNS[1], "RN002", "10073", Decimal("240.00"), code="45A04", codes=["8001", "0611"]),
        Performance(BSNS[1], "RN002", "10073", Decimal("210.00"), code="45A04", start="2026-03-01", end="2026-03-31"),
        Performance(BSNS[2], "RN003", "99999", Decimal("-25.00")),
    ]


def agrees() -> bool:
    call_command("check_monitor")  # raises CommandError on a difference
    return figures.differences() == []


def total(field: str) -> Decimal:
    return euros(sum(MonthFigure.objects.values_list(field, flat=True)))


def test_imports_answers_payments_and_a_late_allocation_keep_the_figures_exact(traffic, staff_user, manager_user):
    TariffLine.objects.create(
        contract=traffic["contract"], product_category="45", product_code="45A04", unit="per maand", tariff="50.00"
    )
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perfs()), by=staff_user).ok
    assert (total("declared"), total("granted"), total("paid")) == (Decimal("475.00"), 0, 0)
    assert total("unlinked") == Decimal("475.00")  # no allocation has arrived yet
    # 45A04 at 50.00 per unit: 240.00 and 210.00 for 4 units each are above it by 40.00 + 10.00.
    assert (total("above_tariff"), MonthFigure.objects.filter(above_tariff_lines__gt=0).count()) == (
        Decimal("50.00"),
        2,
    )
    assert agrees()

    result = import_message(
        answer("JW325", WEERT, AGB, "DN001", [perfs()[1]], declared=Decimal("475.00"), granted=Decimal("235.00")),
        by=staff_user,
    )
    assert result.ok, result.problems
    assert (total("granted"), total("rejected")) == (Decimal("235.00"), Decimal("240.00"))
    assert agrees()

    assert import_message(allocation("JW301", WEERT, AGB, BSNS[0], [Product("10072")]), by=staff_user).ok
    assert total("unlinked") == Decimal("425.00")  # RN001's 50.00 now has its allocation
    assert agrees()

    invoice = Invoice.objects.get()
    invoice.mark_checked(by=staff_user)
    invoice.approve(by=manager_user)
    invoice.mark_paid(by=manager_user)
    assert total("paid") == Decimal("475.00")
    assert agrees()


def test_clients_are_counted_once_per_year_with_their_months(traffic, staff_user):
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perfs()), by=staff_user).ok
    rows = ClientYear.objects.filter(product_code="45A04")
    assert rows.count() == 1
    row = rows.get()
    assert (row.lines, euros(row.declared), row.months) == (2, Decimal("450.00"), 0b1100)  # March and April
    assert ClientYear.objects.values("client_key").distinct().count() == 3


def test_deleting_a_received_declaration_takes_its_figures_away(traffic, staff_user):
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perfs()), by=staff_user).ok
    assert import_message(
        declaration("JW323", AGB, WEERT, "DN002", perfs()[:1], message_id="323000002"), by=staff_user
    ).ok
    Invoice.objects.get(invoice_number="DN001").delete()
    assert total("declared") == Decimal("50.00")
    assert ClientYear.objects.count() == 1
    assert agrees()
    Invoice.objects.all().delete()
    assert not MonthFigure.objects.exists() and not ClientYear.objects.exists()


@pytest.mark.parametrize("path", ["save", "update"])
def test_moving_a_received_declaration_to_another_contract_moves_its_figures(traffic, staff_user, region, path):
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perfs()), by=staff_user).ok
    other = ContractFactory(
        reference="JGD-2024-002",
        provider=traffic["provider"],
        segment=traffic["segment"],
        municipalities=[region["weert"]],
    )
    if path == "save":
        invoice = Invoice.objects.get()
        invoice.contract = other
        invoice.save()
    else:
        Invoice.objects.update(contract=other)
    assert set(MonthFigure.objects.values_list("contract_id", flat=True)) == {other.pk}
    assert set(ClientYear.objects.values_list("contract_id", flat=True)) == {other.pk}
    assert agrees()


def test_check_monitor_names_a_difference_and_repairs_it(traffic, staff_user):
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perfs()), by=staff_user).ok
    MonthFigure.objects.filter(product_code="45A03").update(declared=2499)
    with pytest.raises(CommandError, match="difference"):
        call_command("check_monitor")
    call_command("check_monitor", "--repair")
    assert agrees()
    InvoiceLine.objects.filter(assignment_number="10072").update(amount=Decimal("51.00"))  # behind the monitor's back
    assert figures.differences()


def test_an_answer_that_refuses_the_whole_declaration_rejects_every_line(traffic, staff_user):
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perfs()), by=staff_user).ok
    whole = answer("JW325", WEERT, AGB, "DN001", [], declared=Decimal("475.00"), granted=Decimal("0.00"))
    start, end = whole.index(b"<jw325:DeclaratieAntwoord>"), whole.index(b"</jw325:DeclaratieAntwoord>")
    whole = whole[:start] + whole[end + len(b"</jw325:DeclaratieAntwoord>") :]
    assert import_message(whole.replace(b">0200<", b">0001<"), by=staff_user).ok
    assert (total("granted"), total("rejected")) == (0, Decimal("475.00"))
    assert agrees()


def test_an_answer_that_grants_fully_with_code_8001_grants_every_line(traffic, staff_user):
    assert import_message(declaration("JW323", AGB, WEERT, "DN001", perfs()), by=staff_user).ok
    full = answer("JW325", WEERT, AGB, "DN001", [], declared=Decimal("475.00"), granted=Decimal("475.00"))
    assert import_message(
        full.replace(
            b">0200</jw325:RetourCode></jw325:RetourCodes></jw325:DeclaratieAntwoord>",
            b">8001</jw325:RetourCode></jw325:RetourCodes></jw325:DeclaratieAntwoord>",
        ),
        by=staff_user,
    ).ok
    assert (total("granted"), total("rejected")) == (Decimal("475.00"), 0)
    assert agrees()
