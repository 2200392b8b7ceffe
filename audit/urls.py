from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("historie/<str:model>/<int:pk>/", views.history, name="history"),
]
