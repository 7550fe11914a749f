"""Drop the single-column indexes of Application.locality, Application.applicant and RankNode.locality:
composite indexes start with those columns already, and every index slows the sweeps' bulk changes.

SQLite rebuilds the application table for these ALTERs, which drops its triggers: the Q1 guard
`waitlist_application_frozen` is created again afterwards (see 0002).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

guards = importlib.import_module("kezek.waitlist.migrations.0002_immutable_and_categories")


def frozen_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS waitlist_application_frozen")
        for statement in guards.SQLITE_FORWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0002_group_closure"),
        ("waitlist", "0003_stop_list_cohort"),
    ]

    operations = [
        migrations.AlterField(
            model_name="application",
            name="applicant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="applications",
                to="waitlist.applicant",
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="locality",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="applications",
                to="facilities.locality",
            ),
        ),
        migrations.AlterField(
            model_name="ranknode",
            name="locality",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="facilities.locality",
            ),
        ),
        migrations.RunPython(frozen_again, migrations.RunPython.noop),
    ]
