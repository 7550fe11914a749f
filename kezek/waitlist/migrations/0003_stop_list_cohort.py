"""Stop-list entries carry their application's locality and cohort (immutable there), indexed with the
restoration date, so a position reads its cohort's overdue restorations by one index range."""

import django.db.models.deletion
from django.db import migrations, models


def copy_locality_and_cohort(apps: object, schema_editor: object) -> None:
    StopListEntry = apps.get_model("waitlist", "StopListEntry")  # type: ignore[attr-defined]
    Application = apps.get_model("waitlist", "Application")  # type: ignore[attr-defined]
    application = Application.objects.filter(pk=models.OuterRef("application_id"))
    StopListEntry.objects.update(
        locality_id=models.Subquery(application.values("locality_id")[:1]),
        cohort=models.Subquery(application.values("cohort")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0001_initial"),
        ("waitlist", "0002_immutable_and_categories"),
    ]

    operations = [
        migrations.AddField(
            model_name="stoplistentry",
            name="locality",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="facilities.locality",
            ),
        ),
        migrations.AddField(
            model_name="stoplistentry",
            name="cohort",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="birth year"),
        ),
        migrations.RunPython(copy_locality_and_cohort, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="stoplistentry",
            name="locality",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="facilities.locality",
            ),
        ),
        migrations.AlterField(
            model_name="stoplistentry",
            name="cohort",
            field=models.PositiveSmallIntegerField(verbose_name="birth year"),
        ),
        migrations.AddIndex(
            model_name="stoplistentry",
            index=models.Index(
                condition=models.Q(("restored_at__isnull", True)),
                fields=["locality", "cohort", "restore_on"],
                name="stop_list_cohort_due_idx",
            ),
        ),
    ]
