from django.urls import path

from contracts import views

app_name = "contracts"
urlpatterns = [
    path("contracten/", views.contract_list, name="list"),
    path("contracten/nieuw/", views.contract_create, name="create"),
    path("contracten/<int:pk>/", views.contract_detail, name="detail"),
    path("contracten/<int:pk>/wijzigen/", views.contract_edit, name="edit"),
    path("contracten/<int:pk>/logboek/", views.log_entry_add, name="log_add"),
    path("contracten/<int:pk>/logboek/<int:entry_pk>/verwijderen/", views.log_entry_delete, name="log_delete"),
    path("facturen/", views.invoice_list, name="invoices"),
    path("facturen/nieuw/", views.invoice_create, name="invoice_create"),
    path("facturen/import/", views.invoice_import, name="invoice_import"),
    path("facturen/bulk/", views.invoice_bulk, name="invoice_bulk"),
    path("facturen/<int:pk>/", views.invoice_detail, name="invoice"),
    path("facturen/<int:pk>/wijzigen/", views.invoice_edit, name="invoice_edit"),
    path("facturen/<int:pk>/stap/", views.invoice_step, name="invoice_step"),
]
