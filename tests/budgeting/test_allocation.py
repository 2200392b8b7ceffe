"""The cost allocation to the cent: golden cases computed by hand, and properties that must hold
for any total, key and number of inhabitants."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from budgeting.models import AllocationKeyShare, AllocationMethod, AnnualAccounts, Budget, BudgetLine, RealisedLine
from budgeting.services import (
    Basis,
    Item,
    accounts_allocation,
    allocate,
    budget_allocation,
    care_cost_items,
    changes,
    dvo_fees,
    has_statement,
    joining_scenario,
    save_allocation_basis,
    save_financial_frames,
    settlement,
)
from contracts.models import ServiceAgreement
from entity.models import Module
from municipalities.models import Municipality
from tests.budgeting.helpers import mark_adopted
from tests.factories import (
    ContractFactory,
    InvoiceFactory,
    MembershipFactory,
    ModuleFactory,
    MunicipalityFactory,
    PopulationCountFactory,
    SegmentFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db


SINCE = D(2020, 1, 1)


def _module_with(*members, year_from=SINCE):
    """A module whose members are (municipality, inhabitants[, start, end]) tuples."""
    module = ModuleFactory()
    for member in members:
        municipality, inhabitants, *period = member
        start, end = (period + [None, None])[:2] if period else (year_from, None)
        MembershipFactory(module=module, municipality=municipality, start_date=start or year_from, end_date=end)
        PopulationCountFactory(municipality=municipality, reference_date=D(2025, 1, 1), inhabitants=inhabitants)
    return module


def _budget(module, user, *amounts, year=2026, contingency="0.00", **fields):
    budget = Budget.objects.create(
        module=module, year=year, created_by=user, contingency_percent=Decimal(contingency), **fields
    )
    for n, amount in enumerate(amounts):
        BudgetLine.objects.create(budget=budget, kind="other", description=f"Regel {n}", amount=Decimal(amount))
    return budget


def _named(*names):
    return [MunicipalityFactory(name=name, slug=name.lower()) for name in names]


# --- Golden cases -------------------------------------------------------------------------------


def test_seed_003_settlement_by_the_fixed_key(staff_user):
    """Seed 003: 704,740 organisation costs plus a one-year 75,000 by Leudal 36 / Nederweert 16 /
    Weert 48."""
    leudal, nederweert, weert = _named("Leudal", "Nederweert", "Weert")
    module = _module_with((leudal, 36000), (nederweert, 17600), (weert, 51000))
    budget = _budget(module, staff_user, "704740.00", "75000.00", allocation_method=AllocationMethod.KEY)
    for municipality, percent in ((leudal, 36), (nederweert, 16), (weert, 48)):
        AllocationKeyShare.objects.create(budget=budget, municipality=municipality, percent=Decimal(percent))
    allocation = budget_allocation(budget)
    assert [(r.municipality.name, r.basic) for r in allocation.rows] == [
        ("Leudal", Decimal("280706.40")),
        ("Nederweert", Decimal("124758.40")),
        ("Weert", Decimal("374275.20")),
    ]
    assert [r.basis.share for r in allocation.rows] == [Decimal("36.00"), Decimal("16.00"), Decimal("48.00")]
    BudgetLine.objects.filter(budget=budget, amount=Decimal("75000.00")).delete()  # 2019-2022
    assert [r.total for r in budget_allocation(budget).rows] == [
        Decimal("253706.40"),
        Decimal("112758.40"),
        Decimal("338275.20"),
    ]


def test_one_cent_over_three_equal_shares_goes_to_the_first_in_alphabetical_order():
    a, b, c = (Municipality(pk=i, name=name) for i, name in ((3, "Arcen"), (1, "Beesel"), (2, "Cuijk")))
    rows = allocate(Decimal("0.01"), [Basis(m, 365, inhabitants=1000) for m in (a, b, c)])
    assert [(r.municipality.name, r.basic) for r in rows] == [
        ("Arcen", Decimal("0.01")),
        ("Beesel", Decimal("0.00")),
        ("Cuijk", Decimal("0.00")),
    ]
    assert [r.basis.share for r in rows] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_a_municipality_joining_on_1_july_pays_for_its_days(staff_user):
    """Equal inhabitants; the joiner is a member 184 of 365 days: 549,000 splits 365 : 184."""
    old, new = _named("Oud", "Nieuw")
    module = _module_with((old, 20000, D(2020, 1, 1)), (new, 20000, D(2027, 7, 1)))
    budget = _budget(module, staff_user, "549000.00", year=2027)
    rows = {r.municipality.name: r for r in budget_allocation(budget).rows}
    assert rows["Nieuw"].basis.days == 184 and rows["Oud"].basis.days == 365
    assert rows["Oud"].basic == Decimal("365000.00")
    assert rows["Nieuw"].basic == Decimal("184000.00")


def test_a_member_that_leaves_on_30_june_pays_until_then(staff_user):
    stays, leaves = _named("Blijft", "Gaat")
    module = _module_with((stays, 10000), (leaves, 10000, D(2020, 1, 1), D(2026, 6, 30)))
    rows = {r.municipality.name: r for r in budget_allocation(_budget(module, staff_user, "546.00")).rows}
    assert rows["Gaat"].basis.days == 181
    assert (rows["Blijft"].basic, rows["Gaat"].basic) == (Decimal("365.00"), Decimal("181.00"))


def test_a_plus_package_is_charged_in_full_to_its_municipality(staff_user):
    venlo, venray = _named("Venlo", "Venray")
    module = _module_with((venlo, 100000), (venray, 50000))
    budget = _budget(module, staff_user, "300000.00", contingency="5.00")
    BudgetLine.objects.create(
        budget=budget,
        kind="other",
        description="Extra contractmanagement Wmo",
        amount=Decimal("24000.00"),
        package="plus",
        plus_municipality=venray,
    )
    allocation = budget_allocation(budget)
    rows = {r.municipality.name: r for r in allocation.rows}
    assert allocation.basic_cost == Decimal("315000.00")  # the contingency on the basic package only
    assert (rows["Venlo"].basic, rows["Venray"].basic) == (Decimal("210000.00"), Decimal("105000.00"))
    assert rows["Venray"].plus_items == [Item("Extra contractmanagement Wmo", Decimal("24000.00"))]
    assert rows["Venray"].total == Decimal("129000.00") and rows["Venlo"].plus == 0
    assert allocation.totals["total"] == Decimal("339000.00")


def test_a_fixed_key_against_inhabitants(staff_user):
    big, small = _named("Groot", "Klein")
    module = _module_with((big, 30000), (small, 10000))
    budget = _budget(module, staff_user, "100000.00")
    by_inhabitants = [r.basic for r in budget_allocation(budget).rows]
    save_allocation_basis(
        budget, method=AllocationMethod.KEY, reference=None, key={big: Decimal("50.00"), small: Decimal("50.00")}
    )
    budget.refresh_from_db()
    by_key = [r.basic for r in budget_allocation(budget).rows]
    assert by_inhabitants == [Decimal("75000.00"), Decimal("25000.00")]
    assert by_key == [Decimal("50000.00"), Decimal("50000.00")]


def test_the_reference_date_is_settable_per_budget(staff_user):
    a, b = _named("Aa", "Bee")
    module = _module_with((a, 10000), (b, 10000))
    PopulationCountFactory(municipality=a, reference_date=D(2025, 7, 1), inhabitants=30000)
    budget = _budget(module, staff_user, "1000.00")
    assert budget.reference_date == D(2025, 1, 1)
    assert [r.basic for r in budget_allocation(budget).rows] == [Decimal("500.00"), Decimal("500.00")]
    save_allocation_basis(budget, method=AllocationMethod.INHABITANTS, reference=D(2025, 7, 1), key={})
    budget.refresh_from_db()
    assert [r.basic for r in budget_allocation(budget).rows] == [Decimal("750.00"), Decimal("250.00")]


def test_a_fixed_key_must_add_up_to_exactly_100_percent(staff_user):
    a, b = _named("Aa", "Bee")
    budget = _budget(_module_with((a, 1), (b, 1)), staff_user, "1000.00")
    with pytest.raises(ValidationError):
        save_allocation_basis(
            budget, method=AllocationMethod.KEY, reference=None, key={a: Decimal("60"), b: Decimal("39.99")}
        )
    budget.refresh_from_db()
    assert budget.allocation_method == AllocationMethod.INHABITANTS and not budget.key_shares.exists()


def test_a_key_without_a_share_for_a_participant_is_refused(staff_user):
    a, b = _named("Aa", "Bee")
    budget = _budget(_module_with((a, 1), (b, 1)), staff_user, "1000.00", allocation_method=AllocationMethod.KEY)
    AllocationKeyShare.objects.create(budget=budget, municipality=a, percent=Decimal(100))
    with pytest.raises(ValidationError, match="Bee"):
        budget_allocation(budget)


def test_missing_inhabitants_are_named(staff_user):
    a, b = _named("Aa", "Bee")
    module = _module_with((a, 1000))
    MembershipFactory(module=module, municipality=b)
    with pytest.raises(ValidationError, match="Bee"):
        budget_allocation(_budget(module, staff_user, "1000.00"))


def test_dvo_fees_are_charged_pro_rata_and_lower_the_basic_package(staff_user):
    member, outsider = _named("Lid", "Buiten")
    module = _module_with((member, 10000))
    segment = SegmentFactory(module=module)
    agreement = ServiceAgreement.objects.create(
        municipality=outsider, start_date=D(2026, 1, 1), end_date=D(2026, 6, 30), annual_fee=Decimal("36500.00")
    )
    agreement.segments.add(segment)
    allocation = budget_allocation(_budget(module, staff_user, "100000.00"))
    rows = {r.municipality.name: r for r in allocation.rows}
    assert rows["Buiten"].dvo == Decimal("18100.00")  # 181 of 365 days
    assert rows["Buiten"].basis is None and rows["Buiten"].basic == 0
    assert rows["Lid"].basic == Decimal("81900.00")
    assert allocation.totals["total"] == Decimal("100000.00")
    [(who, item)] = dvo_fees(module, 2026, on=D(2026, 3, 1))
    assert who == outsider and item.amount == Decimal("36500.00")


def test_changes_against_last_year(staff_user):
    a, b = _named("Aa", "Bee")
    module = _module_with((a, 10000), (b, 30000))
    for municipality, inhabitants in ((a, 10000), (b, 30000)):  # last year's reference date
        PopulationCountFactory(municipality=municipality, reference_date=D(2024, 1, 1), inhabitants=inhabitants)
    last = _budget(module, staff_user, "40000.00", year=2025)
    mark_adopted(last, adopted_on=D(2024, 7, 1))
    allocation = budget_allocation(_budget(module, staff_user, "44000.00"))
    change = changes(allocation)[a.pk]
    assert (change.previous, change.current, change.amount, change.percent) == (
        Decimal("10000.00"),
        Decimal("11000.00"),
        Decimal("1000.00"),
        Decimal("10.0"),
    )


def test_has_statement_matches_the_rows_of_the_allocation(staff_user):
    member, buyer, outsider, dvo = _named("Lid", "Koper", "Buiten", "Dvo")
    module = _module_with((member, 10000))
    budget = _budget(module, staff_user, "100000.00")
    BudgetLine.objects.create(
        budget=budget, kind="other", description="Extra", amount=Decimal("1"), package="plus", plus_municipality=buyer
    )
    agreement = ServiceAgreement.objects.create(
        municipality=dvo, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31), annual_fee=Decimal("100.00")
    )
    agreement.segments.add(SegmentFactory(module=module))
    allocation = budget_allocation(budget)
    for municipality in (member, buyer, outsider, dvo):
        assert has_statement(budget, municipality) == (allocation.row_for(municipality) is not None)
    assert [has_statement(budget, m) for m in (member, buyer, outsider, dvo)] == [True, True, False, True]


# --- The annual accounts ------------------------------------------------------------------------


@pytest.fixture
def accounts(staff_user):
    """Two members 3 : 1, a budget of 100,000 basic and 10,000 plus for Bee, realised 90,000 and
    12,000."""
    a, b = _named("Aa", "Bee")
    module = _module_with((a, 30000), (b, 10000))
    budget = _budget(module, staff_user, "100000.00")
    plus = BudgetLine.objects.create(
        budget=budget,
        kind="other",
        description="Extra",
        amount=Decimal("10000.00"),
        package="plus",
        plus_municipality=b,
    )
    mark_adopted(budget, adopted_on=D(2025, 7, 1))
    accounts = AnnualAccounts.objects.create(budget=budget, created_by=staff_user)
    RealisedLine.objects.create(accounts=accounts, line=budget.lines.get(package="basic"), amount=Decimal("90000.00"))
    RealisedLine.objects.create(accounts=accounts, line=plus, amount=Decimal("12000.00"))
    return accounts


def test_the_result_is_settled_by_the_contribution_key(accounts):
    allocation = accounts_allocation(accounts)
    rows = {r.municipality.name: r for r in allocation.rows}
    assert (rows["Aa"].basic, rows["Bee"].basic) == (Decimal("67500.00"), Decimal("22500.00"))
    assert rows["Bee"].plus == Decimal("12000.00")
    # Aa paid 75,000 and owes 67,500; Bee paid 25,000 + 10,000 and owes 22,500 + 12,000.
    assert allocation.settlement == {
        rows["Aa"].municipality.pk: Decimal("7500.00"),
        rows["Bee"].municipality.pk: Decimal("500.00"),
    }
    assert allocation.settlement_total == Decimal("8000.00")  # 110,000 budgeted - 102,000 realised
    assert sum(s.amount for s in settlement(accounts)) == Decimal("8000.00")


def test_care_costs_are_own_invoices_and_lump_sums_by_key(accounts, staff_user):
    module = accounts.budget.module
    a, b = (r.municipality for r in accounts_allocation(accounts).rows)
    segment = SegmentFactory(module=module)
    effort = ContractFactory(segment=segment, municipalities=[a, b])
    InvoiceFactory(
        contract=effort, municipality=a, amount=Decimal("1000.00"), invoice_date=D(2026, 3, 1), status="approved"
    )
    InvoiceFactory(contract=effort, municipality=a, amount=Decimal("500.00"), invoice_date=D(2026, 4, 1), status="paid")
    InvoiceFactory(
        contract=effort, municipality=b, amount=Decimal("700.00"), invoice_date=D(2026, 4, 1), status="received"
    )
    InvoiceFactory(
        contract=effort, municipality=b, amount=Decimal("900.00"), invoice_date=D(2025, 12, 1), status="paid"
    )
    lump = ContractFactory(
        segment=segment,
        funding_variant="task",
        ceiling=Decimal("200000.00"),
        start_date=D(2026, 1, 1),
        end_date=D(2027, 12, 31),
        municipalities=[(a, Decimal("60.00")), (b, Decimal("40.00"))],
    )
    # An instalment invoice of the lump sum is not counted on top of the key share.
    InvoiceFactory(contract=lump, municipality=a, amount=Decimal("5000.00"), invoice_date=D(2026, 5, 1), status="paid")
    items = care_cost_items(module, 2026)
    # 2026 is 365 of the contract's 730 days: 100,000.00 of the contract sum, split 60 : 40.
    assert sorted((m.name, i.amount) for m, i in items) == [
        ("Aa", Decimal("1500.00")),
        ("Aa", Decimal("60000.00")),
        ("Bee", Decimal("40000.00")),
    ]
    assert lump.reference in items[1][1].label
    rows = {r.municipality.name: r for r in accounts_allocation(accounts).rows}
    assert rows["Aa"].care == Decimal("61500.00") and rows["Bee"].care == Decimal("40000.00")


# --- The joining scenario -----------------------------------------------------------------------


def test_the_joining_scenario_compares_two_dates_and_flags_frames(region, staff_user, manager_user):
    module = Module.objects.get(number=1)
    budget = _budget(module, staff_user, "1400000.00")
    scenario = joining_scenario(budget, D(2025, 12, 31), D(2026, 1, 1))
    assert len(scenario.before.participants) == 7 and len(scenario.after.participants) == 14
    assert scenario.before.totals["total"] == scenario.after.totals["total"] == Decimal("1400000.00")
    venlo = next(r for r in scenario.rows if r.municipality.slug == "venlo")
    weert = next(r for r in scenario.rows if r.municipality.slug == "weert")
    assert venlo.after_total < venlo.before_total and venlo.percent < 0  # the costs are shared by more
    assert weert.before is None and weert.after_total > 0 and weert.percent is None
    save_financial_frames(
        module,
        2026,
        {region["weert"]: weert.after_total - Decimal("0.01"), region["venlo"]: venlo.before_total},
        by=manager_user,
    )
    scenario = joining_scenario(budget, D(2025, 12, 31), D(2026, 1, 1))
    assert [r.municipality.slug for r in scenario.flagged] == ["weert"]
    assert scenario.flagged[0].over_frame == Decimal("0.01")
    save_financial_frames(module, 2026, {region["weert"]: None}, by=manager_user)
    assert joining_scenario(budget, D(2025, 12, 31), D(2026, 1, 1)).flagged == []


def test_the_demo_module_1_adds_up_for_every_demo_year(region, staff_user):
    """The fourteen real municipalities: every year's contributions add up to the budget."""
    module = Module.objects.get(number=1)
    for year in (2025, 2026, 2027):
        allocation = budget_allocation(_budget(module, staff_user, "1234567.89", year=year, contingency="5.00"))
        assert allocation.totals["total"] == allocation.basic_cost
        assert sum(r.basis.share for r in allocation.participants) == 100


# --- Properties ---------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10**11).map(lambda c: Decimal(c) / 100)


def _municipalities(n: int) -> list[Municipality]:
    return [Municipality(pk=i + 1, name=f"Gemeente {i:02d}") for i in range(n)]


@settings(max_examples=300, deadline=None)
@given(total=cents, inhabitants=st.lists(st.integers(min_value=1, max_value=2_000_000), min_size=1, max_size=14))
def test_parts_add_up_and_more_inhabitants_never_pay_less(total, inhabitants):
    bases = [Basis(m, 365, inhabitants=n) for m, n in zip(_municipalities(len(inhabitants)), inhabitants, strict=True)]
    rows = allocate(total, bases)
    assert sum(r.basic for r in rows) == total
    assert all(r.basic >= 0 for r in rows)
    assert sum(r.basis.share for r in rows) == 100
    for x in rows:
        for y in rows:
            if x.basis.inhabitants > y.basis.inhabitants:
                assert x.basic >= y.basic


@settings(max_examples=200, deadline=None)
@given(
    total=cents,
    members=st.lists(
        st.tuples(st.integers(min_value=1, max_value=500_000), st.integers(min_value=1, max_value=365)),
        min_size=1,
        max_size=14,
    ),
    plus=st.lists(st.tuples(st.integers(min_value=0, max_value=13), cents), max_size=5),
)
def test_rows_and_columns_add_up_with_days_and_plus_packages(total, members, plus):
    municipalities = _municipalities(len(members))
    bases = [Basis(m, days, inhabitants=n) for m, (n, days) in zip(municipalities, members, strict=True)]
    items = [(municipalities[i % len(municipalities)], Item("plus", amount)) for i, amount in plus]
    rows = allocate(total, bases, items)
    assert sum(r.basic for r in rows) == total
    assert sum(r.total for r in rows) == total + sum(amount for _i, amount in plus)
    assert all(r.total == r.basic + r.plus for r in rows)


@settings(max_examples=200, deadline=None)
@given(total=cents, cuts=st.lists(st.integers(min_value=0, max_value=10_000), min_size=0, max_size=13))
def test_a_fixed_key_splits_exactly(total, cuts):
    """Random keys of whole hundredths of a percent that sum to exactly 100 %."""
    points = sorted(cuts)
    keys = [Decimal(b - a) / 100 for a, b in zip([0, *points], [*points, 10_000], strict=True)]
    if not any(keys):
        return
    bases = [Basis(m, 365, key_percent=k) for m, k in zip(_municipalities(len(keys)), keys, strict=True)]
    rows = allocate(total, bases)
    assert sum(r.basic for r in rows) == total
    assert all(r.basic >= 0 for r in rows)
    for x in rows:
        for y in rows:
            if x.basis.key_percent > y.basis.key_percent:
                assert x.basic >= y.basic
