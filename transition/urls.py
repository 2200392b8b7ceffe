from django.urls import path

from transition import views

app_name = "transition"
urlpatterns = [
    path("overgang/", views.index, name="index"),
    path("overgang/<int:pk>/", views.programme, name="programme"),
    path("overgang/<int:pk>/mijlpalen/nieuw/", views.milestone_form, name="milestone_add"),
    path("overgang/<int:pk>/mijlpalen/<int:milestone_pk>/", views.milestone_form, name="milestone_edit"),
    path("overgang/<int:pk>/mijlpalen/<int:milestone_pk>/gemeenten/", views.steps, name="steps"),
    path("overgang/<int:pk>/mijlpalen/<int:milestone_pk>/bewijsstuk.pdf", views.evidence_file, name="evidence"),
    path("overgang/<int:pk>/functies/", views.staffing, name="staffing"),
    path("overgang/<int:pk>/risicos/", views.risks, name="risks"),
    path("overgang/<int:pk>/risicos/nieuw/", views.risk_form, name="risk_add"),
    path("overgang/<int:pk>/risicos/<int:item_pk>/", views.risk_form, name="risk_edit"),
    path("overgang/<int:pk>/personeel/nieuw/", views.checklist_form, name="checklist_add"),
    path("overgang/<int:pk>/personeel/<int:item_pk>/", views.checklist_form, name="checklist_edit"),
    path("overgang/<int:pk>/go-no-go/", views.decision, name="decision"),
    path("overgang/<int:pk>/kaders/nieuw/", views.framework_add, name="framework_add"),
    path("overgang/<int:pk>/rapportages/nieuw/", views.report_new, name="report_new"),
    path("overgang/rapportages/<int:pk>/", views.report, name="report"),
    path("overgang/rapportages/<int:pk>/uitgeven/", views.report_issue, name="report_issue"),
    path("overgang/rapportages/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
]
