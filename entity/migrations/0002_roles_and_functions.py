"""Create the portal's roles as groups and the eight functions of the entity (DOMAIN.md)."""

from django.db import migrations

ROLES = [
    "Medewerker",
    "Leidinggevende",
    "Dagelijks bestuur",
    "Algemeen bestuur",
    "Kwartiermaker",
    "Gemeentelijk contactpersoon",
]

FUNCTIONS = [
    (1, "Projectmanagement",
     "Regie op projecten per verwerving en de verbinding tussen het lokale beleid van de "
     "gemeenten en de uitvoering door de organisatie."),
    (2, "Inkoop",
     "Gezamenlijke inkoop, aanbesteding en subsidiering van zorg en ondersteuning (verwerving)."),
    (3, "Contractmanagement en contractbeheer",
     "Beheer van contracten en de relatie met aanbieders: bezoeken, signalen, afspraken, en "
     "bewaking van looptijden en plafonds."),
    (4, "Business control en monitoring",
     "Sturingsinformatie, monitoring van uitgaven en voortgang, planning en control."),
    (5, "Informatieanalyse",
     "Analyse van gegevens uit het berichtenverkeer en andere bronnen voor sturing en beleid."),
    (6, "Toezicht op kwaliteit en rechtmatigheid",
     "Toezicht op de kwaliteit van de geleverde zorg en de rechtmatigheid van declaraties."),
    (7, "Juristen aanbesteding en contracten",
     "Juridische ondersteuning bij aanbestedingen, contracten en geschillen met aanbieders."),
    (8, "Facturatie",
     "Controle, verwerking en betaling van facturen en declaraties van aanbieders."),
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Function = apps.get_model("entity", "Function")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for number, name, description in FUNCTIONS:
        Function.objects.update_or_create(
            number=number, defaults={"name": name, "description": description}
        )


def backwards(apps, schema_editor):
    apps.get_model("entity", "Function").objects.filter(number__in=[f[0] for f in FUNCTIONS]).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("entity", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
