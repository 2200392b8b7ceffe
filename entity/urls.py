from django.urls import path

from entity import views

app_name = "entity"
urlpatterns = [
    path("modules/", views.module_list, name="modules"),
    path("modules/<int:number>/", views.module_detail, name="module"),
    path("organisatie/", views.organisation, name="organisation"),
]
