from django.urls import path

from budgeting import views

app_name = "budgeting"
urlpatterns = [
    path("begrotingen/", views.budget_list, name="list"),
    path("begrotingen/<int:pk>/", views.budget_detail, name="detail"),
    path("begrotingen/<int:pk>/regels/nieuw/", views.line_form, name="line_add"),
    path("begrotingen/<int:pk>/regels/<int:line_pk>/", views.line_form, name="line_edit"),
    path("begrotingen/<int:pk>/regels/<int:line_pk>/verwijderen/", views.line_delete, name="line_delete"),
    path("begrotingen/<int:pk>/stap/", views.db_step, name="db_step"),
    path("begrotingen/<int:pk>/zienswijze/", views.view_form, name="view_add"),
    path("begrotingen/<int:pk>/zienswijze/<int:view_pk>/reactie/", views.view_reply, name="view_reply"),
    path("begrotingen/<int:pk>/besluit/", views.decide, name="decide"),
]
