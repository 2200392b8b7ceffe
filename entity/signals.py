"""Keep guardian permissions and the manager group's admin rights in step with the data."""

from __future__ import annotations

import importlib
from typing import Any

from django.contrib.auth.models import Group, Permission

# The reference data a manager keeps in the Django admin.
MANAGER_ADMIN_MODELS = {
    "municipalities": ["municipality", "populationcount"],
    "entity": ["module", "membership", "function", "boardseat", "municipalitycontact"],
    "accounts": ["twofactorpolicy"],
    "auth": ["user"],
    "contracts": [
        "segment",
        "provider",
        "serviceagreement",
        "contract",
        "contractparticipation",
        "tariffline",
        "contractlogentry",
        "invoice",
    ],
    # The budget and the transition programme's reference rows; the download log and the
    # allocations stored at adoption have only a view permission (read-only).
    "budgeting": ["deadlinerules", "financialframe", "statementdownload", "storedallocation", "storedallocationrow"],
    "transition": ["programme", "milestone", "staffingline", "risk", "checklistitem", "progressreport"],
    # The message traffic: read in /beheer/ (its admin is read-only; a correction is a new message).
    "traffic": ["allocation", "declarationreturn", "returnline"],
    # The trail has only a view permission (audit.models); the admin offers nothing else.
    "audit": ["auditentry"],
}

# Login security: a manager removes a lockout or a lost phone's device, but never makes a device
# for someone else (its secret would then be known to the manager).
MANAGER_VIEW_DELETE_MODELS = {
    "axes": ["accessattempt"],
    "otp_totp": ["totpdevice"],
    "otp_static": ["staticdevice"],
}
# The login logs are evidence: a manager reads them and cannot delete them.
MANAGER_VIEW_MODELS = {"axes": ["accesslog", "accessfailurelog"]}


def ensure_reference_rows(sender: Any, **kwargs: Any) -> None:
    """Runs after every migrate (and test flush): the roles and functions of the data migration
    exist, and the manager group holds the admin permissions, which only exist once all
    migrations have run, so a data migration cannot assign them on a fresh database."""
    from django.apps import apps

    from access.policy import manager_group_name

    if not apps.is_installed("entity"):
        return
    roles_and_functions = importlib.import_module("entity.migrations.0002_roles_and_functions")
    roles_and_functions.forwards(apps, None)
    group = Group.objects.get(name=manager_group_name())
    perms = Permission.objects.filter(content_type__app_label__in=MANAGER_ADMIN_MODELS.keys()).select_related(
        "content_type"
    )
    wanted = [p for p in perms if p.content_type.model in MANAGER_ADMIN_MODELS[p.content_type.app_label]]
    group.permissions.add(*wanted)
    for app_label, models in MANAGER_VIEW_DELETE_MODELS.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model__in=models,
                codename__regex=r"^(view|delete)_",
            )
        )
    for app_label, models in MANAGER_VIEW_MODELS.items():
        logs = Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
        group.permissions.add(*logs.filter(codename__startswith="view_"))
        group.permissions.remove(*logs.exclude(codename__startswith="view_"))  # also on older databases
    group.permissions.add(*Permission.objects.filter(codename="view_group"))


def revoke_contact_permission(sender: Any, instance: Any, **kwargs: Any) -> None:
    from municipalities.visibility import revoke_municipality

    revoke_municipality(instance.user, instance.municipality)
