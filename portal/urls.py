import os

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.account_views import ForgottenPasswordView
from pages.views import home

admin.site.site_header = _("Portal social domain Limburg-Noord – management")
admin.site.site_title = _("Portal management")
admin.site.index_title = _("Reference data")

handler500 = "portal.middleware.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("account/inloggen/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("account/uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/wachtwoord/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/wachtwoord/gewijzigd/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # No password is ever set for someone else: an invitation or "Wachtwoord vergeten?" sends a
    # one-time link (accounts/services.py); these pages are public, like the login page.
    path("account/wachtwoord-vergeten/", ForgottenPasswordView.as_view(), name="password_reset"),
    path(
        "account/wachtwoord-vergeten/verstuurd/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "account/wachtwoord-kiezen/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/wachtwoord-kiezen/klaar/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", include("accounts.security_urls")),
    path("gemeenten/", include("municipalities.urls")),
    path("", include("entity.urls")),
    path("", include("contracts.urls")),
    path("", include("budgeting.urls")),
    path("", include("transition.urls")),
    path("", include("traffic.urls")),
    path("", include("monitor.urls")),
    path("", include("audit.urls")),
    path("beheer/", admin.site.urls),
]

if os.environ.get("PORTAL_BENCH") == "1":
    # Only for `make bench`: the framework's ceiling on this machine (no database, no session).
    from django.contrib.auth.decorators import login_not_required
    from django.http import HttpResponse

    urlpatterns.append(path("bench/hello/", login_not_required(lambda request: HttpResponse("Hello")), name="hello"))
