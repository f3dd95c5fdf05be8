"""Blob rows: each stored content once, referenced by its versions through a foreign key the database enforces
(the column ``documentversion.sha256`` keeps its name and values)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def blobs_of_existing_versions(apps, schema_editor):
    Blob = apps.get_model("evidence", "Blob")
    DocumentVersion = apps.get_model("evidence", "DocumentVersion")
    seen = set()
    rows = DocumentVersion.objects.order_by("pk").values_list("sha256", "size", "media_type", "uploaded_at")
    for sha256, size, media_type, uploaded_at in rows.iterator():
        if sha256 not in seen:
            seen.add(sha256)
            Blob.objects.create(sha256=sha256, size=size, media_type=media_type, created_at=uploaded_at)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Blob",
            fields=[
                ("sha256", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("size", models.PositiveBigIntegerField()),
                ("media_type", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"ordering": ["sha256"]},
        ),
        migrations.RunPython(blobs_of_existing_versions, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField("documentversion", "sha256", "blob"),
                migrations.AlterField(
                    "documentversion",
                    "blob",
                    models.CharField(db_column="sha256", db_index=True, max_length=64),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="documentversion",
            name="blob",
            field=models.ForeignKey(
                db_column="sha256",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="versions",
                to="evidence.blob",
            ),
        ),
    ]
