"""Sites moved from org to tenancy (tenancy.0001): re-point the foreign keys in the state only.

The table behind them is still ``org_site``: nothing changes in the database.
"""

import django.db.models.deletion
from django.db import migrations, models


def site_key() -> models.ForeignKey:
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.site")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_assessment_completed_by"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(model_name=model, name="site", field=site_key())
                for model in ("assessment", "assessmentzone", "response")
            ],
        ),
    ]
