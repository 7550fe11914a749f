"""E50: the common infections of a kindergarten, with the figures their quarantine is computed from and the
source of each figure. Where no source could be checked the figure says "unverified"; a correction is a
later data migration (reviewed code), and every case keeps the figures it was computed with in its ledger
event."""

from django.db import migrations

DSM_47 = (
    "Order of the acting Minister of Health of RK of 27.05.2021 No. ҚР ДСМ-47 (registered No. 22833), "
    "sanitary rules on ARVI, influenza, meningococcal infection, COVID-19, chickenpox and scarlet fever"
)
UNVERIFIED = "unverified: common practice of children's institutions, no Kazakh source checked"

INFECTIONS = [
    {
        "code": "chickenpox",
        "name_kk": "Желшешек",
        "name_ru": "Ветряная оспа",
        "name_en": "Chickenpox",
        "incubation_days": 21,
        "quarantine_days": 21,
        "counting": "calendar",
        "watch_kk": "қызба, қышитын бөртпе — дақтар мен көпіршіктер.",
        "watch_ru": "повышение температуры, зудящая сыпь — пятна и пузырьки.",
        "watch_en": "fever, an itchy rash of spots and blisters.",
        "source": (
            f"Quarantine: 21 calendar days from the isolation of the last case in a preschool organisation — "
            f"{DSM_47}, as quoted by a regional sanitary department (2023); the clause itself not read. "
            f"Incubation 21 days: {UNVERIFIED}."
        ),
    },
    {
        "code": "scarlet_fever",
        "name_kk": "Скарлатина",
        "name_ru": "Скарлатина",
        "name_en": "Scarlet fever",
        "incubation_days": 7,
        "quarantine_days": 7,
        "counting": "calendar",
        "watch_kk": "қызба, тамақтың ауыруы, ұсақ нүктелі қызыл бөртпе, ашық қызыл тіл.",
        "watch_ru": "температура, боль в горле, мелкоточечная красная сыпь, ярко-красный язык.",
        "watch_en": "fever, sore throat, a fine red rash, a bright red tongue.",
        "source": f"Governed by {DSM_47}; the figures (7 and 7 days) are {UNVERIFIED}.",
    },
    {
        "code": "measles",
        "name_kk": "Қызылша",
        "name_ru": "Корь",
        "name_en": "Measles",
        "incubation_days": 21,
        "quarantine_days": 21,
        "counting": "calendar",
        "watch_kk": "қызба, жөтел, тұмау, көздің қызаруы, содан кейін беттен басталатын бөртпе.",
        "watch_ru": "температура, кашель, насморк, покраснение глаз, затем сыпь, начинающаяся с лица.",
        "watch_en": "fever, cough, runny nose, red eyes, then a rash starting on the face.",
        "source": f"21 and 21 days: {UNVERIFIED}.",
    },
    {
        "code": "rubella",
        "name_kk": "Қызамық",
        "name_ru": "Краснуха",
        "name_en": "Rubella",
        "incubation_days": 21,
        "quarantine_days": 21,
        "counting": "calendar",
        "watch_kk": "ұсақ қызғылт бөртпе, құлақ артындағы және мойындағы лимфа түйіндерінің ұлғаюы, аздаған қызба.",
        "watch_ru": "мелкая розовая сыпь, увеличение лимфоузлов за ушами и на шее, небольшая температура.",
        "watch_en": "a small pink rash, swollen glands behind the ears and on the neck, a mild fever.",
        "source": f"21 and 21 days: {UNVERIFIED}.",
    },
    {
        "code": "mumps",
        "name_kk": "Эпидемиялық паротит",
        "name_ru": "Эпидемический паротит",
        "name_en": "Mumps",
        "incubation_days": 25,
        "quarantine_days": 21,
        "counting": "calendar",
        "watch_kk": "қызба, құлақ алдында немесе жақ астында ісіну мен ауырсыну.",
        "watch_ru": "температура, припухлость и боль перед ухом или под челюстью.",
        "watch_en": "fever, a painful swelling in front of the ear or under the jaw.",
        "source": f"Incubation 25 days, quarantine 21 days: {UNVERIFIED}.",
    },
    {
        "code": "whooping_cough",
        "name_kk": "Көкжөтел",
        "name_ru": "Коклюш",
        "name_en": "Whooping cough",
        "incubation_days": 14,
        "quarantine_days": 14,
        "counting": "calendar",
        "watch_kk": "ұстамалы жөтел, түнде күшейеді, кейде құсумен.",
        "watch_ru": "приступообразный кашель, сильнее ночью, иногда со рвотой.",
        "watch_en": "a cough in fits, worse at night, sometimes with vomiting.",
        "source": f"14 and 14 days: {UNVERIFIED}.",
    },
    {
        "code": "intestinal",
        "name_kk": "Жіті ішек инфекциясы",
        "name_ru": "Острая кишечная инфекция",
        "name_en": "Acute intestinal infection",
        "incubation_days": 7,
        "quarantine_days": 7,
        "counting": "calendar",
        "watch_kk": "іш өту, құсу, іштің ауыруы, қызба.",
        "watch_ru": "жидкий стул, рвота, боль в животе, температура.",
        "watch_en": "diarrhoea, vomiting, stomach pain, fever.",
        "source": f"7 days of observation and 7 days of incubation: {UNVERIFIED}.",
    },
]


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    Infection = apps.get_model("infection", "Infection")
    for values in INFECTIONS:
        Infection.objects.update_or_create(code=values["code"], defaults=values)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("infection", "Infection").objects.filter(code__in=[i["code"] for i in INFECTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("infection", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
