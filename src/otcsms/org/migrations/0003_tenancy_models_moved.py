"""Organisation, Site and SiteMembership now belong to tenancy (tenancy.0001): remove them from org's state.

State only: the tables ``org_organisation``, ``org_site`` and ``org_sitemembership`` stay, with every row,
now behind tenancy's models. org's own foreign keys to them are re-pointed first, and this runs after every
other app has re-pointed its own (the dependencies below): a model can only leave the state once nothing in
it refers to it.
"""

import django.db.models.deletion
from django.db import migrations, models


def site_key() -> models.ForeignKey:
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.site")


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_scope_lifecycle"),
        ("tenancy", "0001_initial"),
        ("plant", "0002_site_in_tenancy"),
        ("assessments", "0003_site_in_tenancy"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="people",
                        to="tenancy.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="site",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="Home site; empty for organisation-wide staff (visible to every member).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="people",
                        to="tenancy.site",
                    ),
                ),
                *(
                    migrations.AlterField(model_name=model, name="site", field=site_key())
                    for model in ("roleassignment", "responsibility", "scopestatement")
                ),
                migrations.DeleteModel(name="SiteMembership"),
                migrations.DeleteModel(name="Site"),
                migrations.DeleteModel(name="Organisation"),
            ],
        ),
    ]
