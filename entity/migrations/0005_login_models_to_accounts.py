"""TwoFactorPolicy and PasswordResetRequest moved to the accounts app (issue 14).

Only Django's picture of the models changes: the tables stay, with their rows, and the accounts
app's first migration takes them over under the same names.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("entity", "0004_password_reset_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="TwoFactorPolicy"),
                migrations.DeleteModel(name="PasswordResetRequest"),
            ],
            database_operations=[],
        ),
    ]
