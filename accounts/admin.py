"""Accounts, roles and second factors in /beheer/, in place of Django's and django-otp's admins.

Django's UserAdmin lets whoever may change a user also make them superuser, hand out groups and
permissions and set their password; django-otp's device admins show a device's secret and QR
code. Here a manager keeps the office's accounts (names, e-mail, active, portal roles, contact
link, board seats) and sees that a second factor exists and can remove it, nothing more. A new
account gets an invitation to choose its own password; a manager can send a new link. The rules
are in ``access/policy.py``; what happens in ``accounts/services.py``.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import policy
from accounts import services as accounts
from accounts.models import TwoFactorPolicy
from audit.reference_admin import ReferenceDataAdmin
from entity.models import BoardSeat, MunicipalityContact

logger = logging.getLogger(__name__)

for _model in (User, Group, TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class AccountForm(forms.ModelForm):
    """No password, no superuser flag, no groups or permissions: the roles are a choice among
    the portal's roles that the editor may assign (``editor`` is set per request)."""

    editor: User | None = None

    roles = forms.MultipleChoiceField(
        label=_("roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only a superuser grants or removes the manager role."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        account = self.instance if self.instance.pk else None
        if "email" in self.fields:  # a read-only page (view permission only) has no fields
            self.fields["email"].required = True
            self.fields["email"].help_text = _("The invitation and links to choose a password are sent here.")
            if account is not None and self.editor is not None and account.pk == self.editor.pk:
                if not self.editor.is_superuser:
                    # With a new address and a reset link, an open session would be enough to
                    # take the account over: another manager changes it, and the old address is told.
                    self.fields["email"].disabled = True
                    self.fields["email"].required = False  # kept as it is, even when still empty
                    self.fields["email"].help_text = _("Another manager changes your own e-mail address.")
        if "roles" not in self.fields:
            return
        current = accounts.role_names(account) if account else set()
        assignable = policy.assignable_role_names(self.editor)
        roles = self.fields["roles"]
        roles.choices = [(name, name) for name in policy.role_names() if name in assignable or name in current]
        roles.initial = sorted(current)
        if not policy.can_change_roles_of(self.editor, account):
            roles.disabled = True
            if "is_active" in self.fields:
                self.fields["is_active"].disabled = True

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email and User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another account already has this e-mail address."))
        return email


class AccountInlinePermissions:
    """A contact link or seat of an account follows the account: whoever may not change the
    account (another manager's, a superuser's) only sees them."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_add_permission(request, obj) and policy.can_change_account(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and policy.can_change_account(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and policy.can_change_account(request.user, obj)


class MunicipalityContactInline(AccountInlinePermissions, admin.StackedInline):
    model = MunicipalityContact
    extra = 0
    max_num = 1
    autocomplete_fields = ["municipality"]


class BoardSeatFormSet(BaseInlineFormSet):
    """The seats on one page belong to one person: two of them in the same body for overlapping
    periods are refused here, before anything is saved (each seat's own check only sees the
    seats already stored)."""

    def clean(self) -> None:
        super().clean()
        seats = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.instance.start_date
        ]
        for i, seat in enumerate(seats):
            for other in seats[i + 1 :]:
                if seat.body == other.body and _overlap(seat, other):
                    raise forms.ValidationError(_("This person already has a seat in this body in that period."))


def _overlap(a: BoardSeat, b: BoardSeat) -> bool:
    return (b.end_date is None or a.start_date <= b.end_date) and (a.end_date is None or b.start_date <= a.end_date)


class BoardSeatInline(AccountInlinePermissions, admin.TabularInline):
    model = BoardSeat
    formset = BoardSeatFormSet
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["municipality"]


@admin.register(User)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    change_form_template = "admin/accounts/account_change_form.html"
    list_display = ["username", "full_name", "email", "role_list", "is_active", "last_login"]
    list_filter = ["is_active", "groups"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    readonly_fields = ["password_state", "last_login", "date_joined"]
    inlines = [MunicipalityContactInline, BoardSeatInline]
    actions = ["send_password_links"]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return [(None, {"fields": ["username", "first_name", "last_name", "email", "roles"]})]
        return [
            (None, {"fields": ["username", "first_name", "last_name", "email", "is_active", "roles"]}),
            (_("Login"), {"fields": ["password_state", "last_login", "date_joined"]}),
        ]

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    # --- Who may do what (access/policy.py) ---

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and policy.can_manage_accounts(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and policy.can_change_account(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return policy.can_delete_accounts(request.user)

    # --- Columns and read-only fields ---

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=_("roles"))
    def role_list(self, obj: User) -> str:
        names = {g.name for g in obj.groups.all()}
        return ", ".join(name for name in policy.role_names() if name in names)

    # The same name as the form field: a read-only page (someone else's manager account) shows it.
    roles = role_list

    @admin.display(description=_("password"))
    def password_state(self, obj: User) -> str:
        if obj.has_usable_password():
            return _("chosen by the user (nobody else sees or sets it)")
        return _("not chosen yet: the user chooses it with the link in the e-mail")

    # --- Saving: roles through the service, a new account gets its invitation ---

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        old_email = form.initial.get("email") or ""
        if change and "email" in form.changed_data and old_email and obj.pk != request.user.pk:
            try:
                accounts.notify_email_changed(obj, old_email, by=request.user)
            except accounts.MAIL_ERRORS:
                logger.exception("Notice of a changed e-mail address not sent")

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        accounts.set_roles(form.instance, form.cleaned_data.get("roles", []), by=request.user)
        if not change:
            self._send_link(request, form.instance)

    def _send_link(self, request: HttpRequest, account: User) -> bool:
        try:
            kind = accounts.send_password_link(account, by=request.user)
        except accounts.MAIL_ERRORS:
            logger.exception("Password link for %s not sent", account.get_username())
            messages.error(
                request,
                _(
                    "The e-mail to %(email)s could not be sent (the mail server did not accept it). "
                    "Try again later with the button on the account's page."
                )
                % {"email": account.email},
            )
            return False
        text = (
            _("An invitation to choose a password has been sent to %(email)s.")
            if kind == accounts.LinkKind.INVITATION
            else _("A link to choose a new password has been sent to %(email)s.")
        )
        messages.success(request, text % {"email": account.email})
        return True

    # --- Sending a link: an action on the list and a button on the account's page ---

    @admin.action(description=_("Send a link to choose a password"), permissions=["change"])
    def send_password_links(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        skipped = 0
        for account in queryset:
            if account.is_active and account.email and self.has_change_permission(request, account):
                self._send_link(request, account)
            else:
                skipped += 1
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)d account got no link: inactive, no e-mail address, or only a superuser may.",
                    "%(count)d accounts got no link: inactive, no e-mail address, or only a superuser may.",
                    skipped,
                )
                % {"count": skipped},
            )

    def get_urls(self):
        link = path(
            "<path:object_id>/wachtwoordlink/",
            self.admin_site.admin_view(self.password_link_view),
            name="auth_user_password_link",
        )
        # Django's own "set a password" page: not here, for anybody (404, not the catch-all redirect).
        gone = path("<path:object_id>/password/", self.admin_site.admin_view(self.no_password_here))
        return [link, gone, *super().get_urls()]

    def no_password_here(self, request: HttpRequest, object_id: str) -> HttpResponse:
        raise Http404(_("Nobody sets someone else's password: send a link to choose one."))

    def password_link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = self.get_object(request, unquote(object_id))
        if account is None:
            raise Http404
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        if account.is_active and account.email:
            self._send_link(request, account)
        else:
            messages.error(request, _("An inactive account or one without an e-mail address gets no link."))
        return redirect(reverse("admin:auth_user_change", args=[account.pk]))


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The roles and their permissions: a manager reads them, only a superuser changes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


class DeviceAdmin(admin.ModelAdmin):
    """That a second factor exists, whose it is and when it was used; removing it (a lost phone)
    is recorded in the user's history. No key, QR code or backup code, for anybody: those are
    shown to the owner once, while enrolling (``accounts/security_views.py``)."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("user")

    def get_urls(self):
        # django-otp's pages with the key and the QR code (``<pk>/config/``, ``<pk>/qrcode/``) do
        # not exist here; without these the catch-all would redirect them to a change page.
        gone = self.admin_site.admin_view(self.no_secrets_here)
        return [path("<path:object_id>/config/", gone), path("<path:object_id>/qrcode/", gone), *super().get_urls()]

    def no_secrets_here(self, request: HttpRequest, object_id: str) -> HttpResponse:
        raise Http404(_("A device's secret is shown only to its owner, while setting it up."))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # One's own second factor is switched off on one's own page, with a current code: an
        # open session alone must not be enough.
        own = obj is not None and obj.user_id == request.user.pk
        return super().has_delete_permission(request, obj) and not own

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        devices = list(queryset.exclude(user=request.user).select_related("user"))
        if len(devices) < queryset.count():
            messages.warning(request, _("Your own second factor is switched off on your own page, with a code."))
        super().delete_queryset(request, queryset.filter(pk__in=[d.pk for d in devices]))
        for device in devices:
            self._record(request, device)

    def delete_model(self, request: HttpRequest, obj) -> None:
        super().delete_model(request, obj)
        self._record(request, obj)

    def _record(self, request: HttpRequest, device) -> None:
        accounts.record(
            request.user,
            device.user,
            _("Two-factor device “%(name)s” removed in management.") % {"name": device.name},
        )


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)


@admin.register(TwoFactorPolicy)
class TwoFactorPolicyAdmin(ReferenceDataAdmin):
    """Also on the portal page /account/tweestapsverificatie/beleid/; who changed it is kept."""

    list_display = ["group", "required", "changed_by", "changed_at"]
    list_editable = ["required"]
    readonly_fields = ["changed_by", "changed_at"]

    def fill(self, request, obj: TwoFactorPolicy) -> None:
        obj.changed_by = request.user
