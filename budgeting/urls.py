from django.urls import path

from budgeting import views

app_name = "budgeting"
urlpatterns = [
    path("begrotingen/", views.budget_list, name="list"),
    path("begrotingen/<int:pk>/", views.budget_detail, name="detail"),
]
