from django.urls import path

from budgeting.views import accounts, allocation, budgets, documents, plan


def _allocation_urls(prefix: str, kind: str) -> list:
    """The same allocation pages for a budget and for annual accounts."""
    k = {"kind": kind}
    return [
        path(f"{prefix}/<int:pk>/kostenverdeling/", allocation.allocation_table_page, k, name=f"{kind}_allocation"),
        path(
            f"{prefix}/<int:pk>/kostenverdeling.csv",
            allocation.allocation_export,
            {**k, "fmt": "csv"},
            name=f"{kind}_allocation_csv",
        ),
        path(
            f"{prefix}/<int:pk>/kostenverdeling.xlsx",
            allocation.allocation_export,
            {**k, "fmt": "xlsx"},
            name=f"{kind}_allocation_xlsx",
        ),
        path(
            f"{prefix}/<int:pk>/kostenverdeling.zip",
            allocation.allocation_export,
            {**k, "fmt": "zip"},
            name=f"{kind}_allocation_zip",
        ),
        path(f"{prefix}/<int:pk>/kostenverdeling/<slug:slug>/", allocation.statement, k, name=f"{kind}_statement"),
        path(
            f"{prefix}/<int:pk>/kostenverdeling/<slug:slug>/pdf/",
            allocation.statement_pdf,
            k,
            name=f"{kind}_statement_pdf",
        ),
    ]


app_name = "budgeting"
urlpatterns = [
    path("begrotingen/", budgets.budget_list, name="list"),
    path("begrotingen/<int:pk>/", budgets.budget_detail, name="detail"),
    path("begrotingen/<int:pk>/pdf/", documents.budget_pdf, name="pdf"),
    path("begrotingen/<int:pk>/regels/nieuw/", budgets.line_form, name="line_add"),
    path("begrotingen/<int:pk>/regels/<int:line_pk>/", budgets.line_form, name="line_edit"),
    path("begrotingen/<int:pk>/regels/<int:line_pk>/verwijderen/", budgets.line_delete, name="line_delete"),
    path("begrotingen/<int:pk>/stap/", budgets.db_step, name="db_step"),
    path("begrotingen/<int:pk>/zienswijze/", budgets.view_form, name="view_add"),
    path("begrotingen/<int:pk>/zienswijze/<int:view_pk>/reactie/", budgets.view_reply, name="view_reply"),
    path("begrotingen/<int:pk>/zienswijze/<int:view_pk>/besluit.pdf", budgets.view_file, name="view_file"),
    path("begrotingen/<int:pk>/besluit/", budgets.decide, name="decide"),
    path("begrotingen/<int:pk>/wijziging/", budgets.amendment_start, name="amend"),
    path("begrotingen/<int:pk>/uitvoeringsplan/", plan.plan, name="plan"),
    path("begrotingen/<int:pk>/uitvoeringsplan/activiteit/", plan.activity_form, name="activity_add"),
    path(
        "begrotingen/<int:pk>/uitvoeringsplan/activiteit/<int:activity_pk>/", plan.activity_form, name="activity_edit"
    ),
    path("begrotingen/<int:pk>/uitvoeringsplan/pluspakket/", plan.plus_form, name="plus_add"),
    path("begrotingen/<int:pk>/uitvoeringsplan/pluspakket/<int:package_pk>/", plan.plus_form, name="plus_edit"),
    path(
        "begrotingen/<int:pk>/uitvoeringsplan/<slug:kind>/<int:item_pk>/verwijderen/",
        plan.plan_item_delete,
        name="plan_item_delete",
    ),
    path("begrotingen/<int:pk>/jaarrekening/", accounts.accounts_start, name="accounts_start"),
    path("jaarrekeningen/<int:pk>/", accounts.accounts_detail, name="accounts"),
    path("jaarrekeningen/<int:pk>/pdf/", documents.accounts_pdf, name="accounts_pdf"),
    path("jaarrekeningen/<int:pk>/realisatie/", accounts.accounts_edit, name="accounts_edit"),
    path("jaarrekeningen/<int:pk>/import/", accounts.accounts_import, name="accounts_import"),
    path("jaarrekeningen/<int:pk>/sjabloon.csv", accounts.accounts_template, name="accounts_template"),
    path("jaarrekeningen/<int:pk>/stap/", accounts.accounts_step, name="accounts_step"),
    path("jaarrekeningen/<int:pk>/besluit/", accounts.accounts_decide, name="accounts_decide"),
    path("begrotingen/<int:pk>/kostenverdeling/grondslag/", allocation.allocation_basis, name="allocation_basis"),
    path("begrotingen/<int:pk>/toetredingsscenario/", allocation.scenario, name="scenario"),
    path("begrotingen/<int:pk>/toetredingsscenario/pdf/", allocation.scenario_pdf, name="scenario_pdf"),
    path("begrotingen/<int:pk>/financiele-kaders/", allocation.financial_frames, name="frames"),
    *_allocation_urls("begrotingen", "budget"),
    *_allocation_urls("jaarrekeningen", "accounts"),
]
