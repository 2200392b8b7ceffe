from django.urls import path

from monitor import views

app_name = "monitor"
urlpatterns = [
    path("monitor/", views.overview, name="overview"),
    path("monitor/aanbieder/<int:pk>/", views.provider, name="provider"),
    path("monitor/gemeente/<slug:slug>/", views.municipality, name="municipality"),
    path("monitor/signalen/", views.signals, name="signals"),
    path("monitor/regels/", views.lines, name="lines"),
]
