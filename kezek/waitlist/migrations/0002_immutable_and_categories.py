"""Database guards of Q1 and the default benefit categories (Q4).

Triggers refuse any UPDATE that changes an application's number (id), registered_at, child, locality,
cohort or ordinal — whatever code path tries it. The categories are data: editable in the admin, and
per locality where a city has its own list.

Note for future migrations: SQLite rebuilds a table on most ALTERs, which drops its triggers; such a
migration must create `waitlist_application_frozen` again.
"""

from django.db import migrations


POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION waitlist_application_refuse_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id <> OLD.id OR NEW.registered_at <> OLD.registered_at OR NEW.child_id <> OLD.child_id
           OR NEW.locality_id <> OLD.locality_id OR NEW.cohort <> OLD.cohort OR NEW.ordinal <> OLD.ordinal
        THEN
            RAISE EXCEPTION 'an application''s number, registered_at, child, locality, cohort and ordinal never change (Q1)'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER waitlist_application_frozen
        BEFORE UPDATE ON waitlist_application
        FOR EACH ROW EXECUTE FUNCTION waitlist_application_refuse_frozen()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS waitlist_application_frozen ON waitlist_application",
    "DROP FUNCTION IF EXISTS waitlist_application_refuse_frozen()",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER waitlist_application_frozen BEFORE UPDATE ON waitlist_application
    WHEN NEW.id <> OLD.id OR NEW.registered_at <> OLD.registered_at OR NEW.child_id <> OLD.child_id
         OR NEW.locality_id <> OLD.locality_id OR NEW.cohort <> OLD.cohort OR NEW.ordinal <> OLD.ordinal
    BEGIN
        SELECT RAISE(ABORT, 'an application''s number, registered_at, child, locality, cohort and ordinal never change (Q1)');
    END
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS waitlist_application_frozen"]

# (code, tier, registry code, ru, kk, en)
CATEGORIES = [
    ("military", "extraordinary", "", "Дети военнослужащих", "Әскери қызметшілердің балалары",
     "Children of military servicemen"),
    ("special_state_bodies", "extraordinary", "", "Дети сотрудников специальных государственных органов",
     "Арнаулы мемлекеттік органдар қызметкерлерінің балалары",
     "Children of employees of special state bodies"),
    ("died_in_service", "extraordinary", "",
     "Дети погибших (пропавших без вести) при исполнении служебных обязанностей",
     "Қызметтік міндеттерін атқару кезінде қаза тапқан (хабарсыз кеткен) адамдардың балалары",
     "Children of those who died or went missing in service"),
    ("disabled_parent", "first_priority", "disabled_parent", "Дети родителей с инвалидностью",
     "Мүгедектігі бар ата-аналардың балалары", "Children of disabled parents"),
    ("orphan", "first_priority", "orphan", "Дети-сироты и дети, оставшиеся без попечения родителей",
     "Жетім балалар және ата-анасының қамқорлығынсыз қалған балалар",
     "Orphans and children without parental care"),
    ("large_family", "first_priority", "large_family", "Дети из многодетных семей",
     "Көп балалы отбасылардың балалары", "Children from large families"),
    ("special_needs", "first_priority", "special_needs", "Дети с особыми образовательными потребностями",
     "Ерекше білім беру қажеттіліктері бар балалар", "Children with special educational needs"),
    ("disabled_child", "first_priority", "disabled_child", "Семьи, воспитывающие ребёнка с инвалидностью",
     "Мүгедектігі бар баланы тәрбиелеп отырған отбасылар", "Families raising a disabled child"),
    ("teacher_child", "first_priority", "teacher_child", "Дети педагогов", "Педагогтердің балалары",
     "Children of teachers"),
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})
    category = apps.get_model("waitlist", "BenefitCategory")
    for code, tier, registry_code, ru, kk, en in CATEGORIES:
        category.objects.get_or_create(
            locality=None,
            code=code,
            defaults={"tier": tier, "registry_code": registry_code, "name_ru": ru, "name_kk": kk, "name_en": en},
        )


def reverse(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
