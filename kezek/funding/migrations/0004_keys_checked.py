"""E25: a statement row's four references are foreign keys again (0003 had left them unchecked), and the
statement's group-months (`StatementGroup`) that 0005 checks the rows against on PostgreSQL."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0003_group_stay_mode'),
        ('funding', '0003_fewer_row_indexes'),
        ('placement', '0006_publication_cause_unaccounted'),
        ('waitlist', '0008_application_commitment_salt'),
    ]

    operations = [
        migrations.AddField(
            model_name='statementrow',
            name='rate_key',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Coalesce('rate', models.Value(0)), output_field=models.BigIntegerField()),
        ),
        migrations.AlterField(
            model_name='statementrow',
            name='child',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='waitlist.child'),
        ),
        migrations.AlterField(
            model_name='statementrow',
            name='enrollment',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='placement.enrollment'),
        ),
        migrations.AlterField(
            model_name='statementrow',
            name='group',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='facilities.group'),
        ),
        migrations.AlterField(
            model_name='statementrow',
            name='rate',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='funding.rate'),
        ),
        migrations.CreateModel(
            name='StatementGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('for_month', models.DateField(verbose_name='month of attendance')),
                ('rate_key', models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Coalesce('rate', models.Value(0)), output_field=models.BigIntegerField())),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='facilities.group')),
                ('rate', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='funding.rate')),
                ('statement', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='groups', to='funding.statement')),
            ],
            options={
                'verbose_name': 'group of a statement',
                'verbose_name_plural': 'groups of a statement',
                'constraints': [models.UniqueConstraint(fields=('statement', 'group', 'for_month', 'rate_key'), name='funding_statement_group_key')],
            },
        ),
    ]
