from django.urls import path

from traffic import views

app_name = "traffic"
urlpatterns = [
    path("berichten/import/", views.message_import, name="import"),
]
