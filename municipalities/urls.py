from django.urls import path

from municipalities import views

app_name = "municipalities"
urlpatterns = [
    path("", views.municipality_list, name="list"),
    path("inwoners/import/", views.population_import, name="import"),
    path("<slug:slug>/", views.municipality_detail, name="detail"),
]
