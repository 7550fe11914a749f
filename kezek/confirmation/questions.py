"""The questionnaire of the yearly confirmation (C3): the answer choices of questions 2–6, as data.

Codes are stored; labels are shown translated. The lists follow the INDIGO instruction (seed 002).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

QUESTION_COUNT = 6
MAX_KINDERGARTENS = 3
ACTIVITY_OTHER_MAX = 200


class Ownership(models.TextChoices):
    ANY = "any", _("any")
    STATE = "state", _("state")
    PRIVATE = "private", _("private")


class OwnershipReason(models.TextChoices):
    QUALITY = "quality", _("quality")
    COST = "cost", _("cost")


class Language(models.TextChoices):
    KAZAKH = "kk", _("Kazakh")
    RUSSIAN = "ru", _("Russian")


# Question 4: the most a family can pay a month, ₸ ("up to …").
PAYMENT_BANDS = (
    10_000,
    15_000,
    20_000,
    25_000,
    30_000,
    35_000,
    40_000,
    45_000,
    50_000,
    70_000,
    90_000,
    110_000,
)


class Activity(models.TextChoices):
    FOOTBALL = "football", _("football")
    SPORTS_DANCE = "sports_dance", _("sports dance")
    BALLROOM_DANCE = "ballroom_dance", _("ballroom dance")
    CHESS = "chess", _("chess")
    BASKETBALL = "basketball", _("basketball")
    DRAWING = "drawing", _("drawing")
    YOUNG_ENTREPRENEUR = "young_entrepreneur", _("young entrepreneurs' club")
    CHEMISTRY = "chemistry", _("fun chemistry")
    KARATE = "karate", _("karate")
    COMPUTER_GRAPHICS = "computer_graphics", _("computer graphics")
    YOUNG_ECOLOGIST = "young_ecologist", _("young ecologist")
    ASTRONOMY = "astronomy", _("astronomy")


class Digital(models.TextChoices):
    ONLINE_INVOICES = "online_invoices", _("online invoices")
    TEACHER_PROFILES = "teacher_profiles", _("teachers' profiles")
    CASHLESS_PAYMENTS = "cashless_payments", _("cashless payments")
    MEALS = "meals", _("meals control")
    ABSENCE_RECALCULATION = "absence_recalculation", _("automatic recalculation for missed days")
    E_CONTRACTS = "e_contracts", _("electronic contracts")
    ATTENDANCE = "attendance", _("attendance sheets")
    ANDROID_APP = "android_app", _("Android app")
    HEALTH_PASSPORT = "health_passport", _("health passport and medical check-ups")
    IOS_APP = "ios_app", _("iOS app")
    PORTFOLIO = "portfolio", _("portfolio of achievements")
    ONLINE_REQUESTS = "online_requests", _("online letters and requests")


DIGITAL_HINTS = {
    Digital.ONLINE_INVOICES: _("Invoices for the kindergarten's services issued as electronic documents."),
    Digital.TEACHER_PROFILES: _("Education, experience and awards of the teachers who work with your child."),
    Digital.CASHLESS_PAYMENTS: _("Paying the kindergarten's invoices without cash, from the cabinet."),
    Digital.MEALS: _("The child's current menu, what the dishes contain, who supplies the food."),
    Digital.ABSENCE_RECALCULATION: _("Meals and extra services recalculated for the days the child missed."),
    Digital.E_CONTRACTS: _("Contracts with the kindergarten signed electronically, as the law allows."),
    Digital.ATTENDANCE: _("The child's attendance, as the kindergarten reports it for funding."),
    Digital.ANDROID_APP: _("The cabinet as an app for Android phones."),
    Digital.HEALTH_PASSPORT: _("Every medical check-up the kindergarten carries out for the child."),
    Digital.IOS_APP: _("The cabinet as an app for iPhone."),
    Digital.PORTFOLIO: _("The child's progress along the curriculum."),
    Digital.ONLINE_REQUESTS: _("Official letters, complaints and requests to the kindergarten."),
}
