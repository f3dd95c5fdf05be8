"""Organisation, Site and SiteMembership move here from ``org``: the models' state, not their data.

The tables stay ``org_organisation``, ``org_site`` and ``org_sitemembership`` (``Meta.db_table``), so this
migration creates the models in the migration state only and touches no table. The content types move with
the models (same rows, relabelled), so anything pointing at a content type keeps pointing at the same model.
``org.0003_tenancy_models_moved`` then removes them from ``org``'s state, after every foreign key to them in
every app has been re-pointed (state only as well).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("organisation", "site", "sitemembership")


def relabel_content_types(apps, schema_editor, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        # A target row exists only if content types were created for the new code before this ran (a partial
        # migrate); the rows then stay as they are rather than break the (app_label, model) uniqueness.
        if not rows.filter(app_label=target, model=model).exists():
            rows.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor) -> None:
    relabel_content_types(apps, schema_editor, "org", "tenancy")


def backwards(apps, schema_editor) -> None:
    relabel_content_types(apps, schema_editor, "tenancy", "org")


SECTORS = [
    ("water", "Water"),
    ("wastewater", "Wastewater"),
    ("electric-transmission", "Electric transmission"),
    ("electric-generation", "Electric generation"),
    ("electric-distribution", "Electric distribution"),
    ("oil-gas", "Oil and gas"),
    ("chemical", "Chemical"),
    ("manufacturing", "Manufacturing"),
    ("food-beverage", "Food and beverage"),
    ("pharmaceutical", "Pharmaceutical"),
    ("other", "Other"),
]
NERC_IMPACTS = [("high", "High"), ("medium", "Medium"), ("low", "Low"), ("none", "Not a BES asset")]
SITE_ROLES = [
    ("viewer", "Viewer"),
    ("contributor", "Contributor"),
    ("approver", "Approver"),
    ("site-admin", "Site admin"),
    ("auditor", "Auditor"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("org", "0002_scope_lifecycle"),  # the tables exist, created by org's own migrations
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Organisation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("description", models.TextField(blank=True, max_length=5000)),
                    ],
                    options={"db_table": "org_organisation"},
                ),
                migrations.CreateModel(
                    name="Site",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        (
                            "code",
                            models.SlugField(
                                help_text="Short identifier used by the CLI (--site).",
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        ("sector", models.CharField(choices=SECTORS, default="other", max_length=40)),
                        ("location", models.CharField(blank=True, max_length=200)),
                        ("description", models.TextField(blank=True, max_length=5000)),
                        (
                            "nerc_registration",
                            models.CharField(
                                blank=True,
                                help_text="NERC Compliance Registry id of the registered entity, if any.",
                                max_length=40,
                            ),
                        ),
                        (
                            "nerc_impact",
                            models.CharField(
                                blank=True,
                                choices=NERC_IMPACTS,
                                help_text="CIP-002 impact rating, if a BES asset.",
                                max_length=10,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="sites",
                                to="tenancy.organisation",
                            ),
                        ),
                    ],
                    options={"db_table": "org_site", "ordering": ["name"]},
                ),
                migrations.CreateModel(
                    name="SiteMembership",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("role", models.CharField(choices=SITE_ROLES, max_length=20)),
                        (
                            "site",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="tenancy.site",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "org_sitemembership",
                        "ordering": ["site__name", "user__username"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "site"), name="one_role_per_user_and_site"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
