"""Give existing bindings a UUID ``code`` (for URLs), then make it unique and required."""

import uuid

from django.db import migrations, models


def fill_codes(apps, schema_editor):
    Guardianship = apps.get_model("guardians", "Guardianship")
    for binding in Guardianship.objects.filter(code__isnull=True).only("pk"):
        binding.code = uuid.uuid4()
        binding.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("guardians", "0002_binding_flow")]

    operations = [
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="guardianship",
            name="code",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="識別碼"
            ),
        ),
    ]
