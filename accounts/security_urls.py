from django.urls import path

from accounts import security_views as views

app_name = "account"
urlpatterns = [
    path("tweestapsverificatie/", views.two_factor, name="two_factor"),
    path("tweestapsverificatie/code/", views.verify, name="two_factor_verify"),
    path("tweestapsverificatie/instellen/", views.enrol, name="two_factor_enrol"),
    path("tweestapsverificatie/uitschakelen/", views.disable, name="two_factor_disable"),
    path("tweestapsverificatie/herstelcodes/", views.backup_codes, name="two_factor_backup_codes"),
    path("tweestapsverificatie/beleid/", views.policy, name="two_factor_policy"),
    path("tweestapsverificatie/gebruikers/", views.two_factor_users, name="two_factor_users"),
    path("tweestapsverificatie/gebruikers/<int:pk>/herstellen/", views.reset, name="two_factor_reset"),
    path("blokkades/", views.lockouts, name="lockouts"),
    path("blokkades/<int:pk>/ontgrendelen/", views.unlock, name="unlock"),
]
