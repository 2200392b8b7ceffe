"""Takes over the two tables the entity app made (issue 14), without touching them.

The models are created in Django's picture only (the tables ``entity_twofactorpolicy`` and
``entity_passwordresetrequest`` exist, with their rows). Their content types are renamed from
``entity`` to ``accounts``, so the permissions on them, the groups that hold those permissions
(the manager's) and the audit trail's entries about them stay attached to the same rows.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["twofactorpolicy", "passwordresetrequest"]


def rename_content_types(apps, from_label: str, to_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # On a new database the types do not exist yet (they are made after migrating).
        if not ContentType.objects.filter(app_label=to_label, model=model).exists():
            ContentType.objects.filter(app_label=from_label, model=model).update(app_label=to_label)


def forwards(apps, schema_editor) -> None:
    rename_content_types(apps, "entity", "accounts")


def backwards(apps, schema_editor) -> None:
    rename_content_types(apps, "accounts", "entity")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("entity", "0005_login_models_to_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TwoFactorPolicy",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("required", models.BooleanField(default=False, verbose_name="two-factor login required")),
                        ("changed_at", models.DateTimeField(auto_now=True, verbose_name="changed at")),
                        (
                            "changed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="changed by",
                            ),
                        ),
                        (
                            "group",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="two_factor_policy",
                                to="auth.group",
                                verbose_name="role",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "two-factor policy",
                        "verbose_name_plural": "two-factor policies",
                        "ordering": ["group__name"],
                        "db_table": "entity_twofactorpolicy",
                    },
                ),
                migrations.CreateModel(
                    name="PasswordResetRequest",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="at"),
                        ),
                        (
                            "email_digest",
                            models.CharField(db_index=True, max_length=64, verbose_name="e-mail address (digest)"),
                        ),
                        (
                            "ip_address",
                            models.GenericIPAddressField(blank=True, null=True, verbose_name="client address"),
                        ),
                    ],
                    options={
                        "verbose_name": "password reset request",
                        "verbose_name_plural": "password reset requests",
                        "default_permissions": (),
                        "db_table": "entity_passwordresetrequest",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
