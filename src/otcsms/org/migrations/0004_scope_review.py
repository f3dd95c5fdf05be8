"""A scope statement carries a review interval (default 12 months) and, once approved, the date its review
falls due. Versions approved before this migration get approval date + 12 months."""

import calendar
from datetime import date

import django.core.validators
from django.conf import settings
from django.db import migrations, models


def _plus_months(day: date, months: int) -> date:
    # Frozen copy of org.scope_lifecycle.review_due_after: a migration must not change meaning with the code.
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def set_review_due(apps, schema_editor):
    # A schema upgrade, not a change anyone made: historical models write no audit events.
    scope_statement = apps.get_model("org", "ScopeStatement")
    for scope in scope_statement.objects.filter(approved_at__isnull=False, review_due__isnull=True):
        scope.review_due = _plus_months(scope.approved_at.date(), scope.review_interval_months)
        scope.save(update_fields=["review_due"])


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_tenancy_models_moved"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="scopestatement",
            name="review_due",
            field=models.DateField(
                blank=True,
                help_text="Set on approval: the approval date plus the review interval.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="scopestatement",
            name="review_interval_months",
            field=models.PositiveSmallIntegerField(
                default=12,
                help_text="How often the approved scope is reviewed; its review falls due this long after approval.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(60),
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="scopestatement",
            constraint=models.CheckConstraint(
                condition=models.Q(("review_interval_months__gte", 1), ("review_interval_months__lte", 60)),
                name="scope_review_interval_1_to_60_months",
            ),
        ),
        migrations.RunPython(set_review_due, migrations.RunPython.noop),
    ]
