"""E40: the monitoring template, version 1, as data (`data/template_v1.json`; its `source` says what is
sourced and what is a sample). A later version is a new file and a new migration, never an edit of this
one: points opened with version 1 keep it (E41)."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "template_v1.json"


def load(apps, schema_editor):
    Template = apps.get_model("monitoring", "Template")
    Area = apps.get_model("monitoring", "Area")
    Level = apps.get_model("monitoring", "Level")
    Indicator = apps.get_model("monitoring", "Indicator")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    template = Template.objects.create(
        version=data["version"],
        title=data["title"],
        source=data["source"],
        valid_from=dt.date.fromisoformat(data["valid_from"]),
    )
    for level in data["levels"]:
        Level.objects.create(template=template, **level)
    for item in data["areas"]:
        indicators = item.pop("indicators")
        area = Area.objects.create(template=template, **item)
        Indicator.objects.bulk_create([Indicator(area=area, **row) for row in indicators])


def unload(apps, schema_editor):
    Template = apps.get_model("monitoring", "Template")
    for template in Template.objects.filter(version=1):
        for area in template.areas.all():
            area.indicators.all().delete()
        template.areas.all().delete()
        template.levels.all().delete()
        template.delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
