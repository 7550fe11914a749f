from decimal import Decimal
from typing import Literal

from ninja import FilterSchema, Schema
from pydantic import Field, model_validator

from kezek.core.schemas import WallClockTime

from .models import BaseFee, Organisation
from .selectors import organisation_languages

LanguageCode = Literal["kk", "ru", "en", "uz", "ug"]


class LocalityOut(Schema):
    id: int
    code: str
    kind: str
    name_ru: str
    name_kk: str
    region: str = Field(alias="region.code")


class OrganisationFilter(FilterSchema):
    locality: str | None = Field(None, description="Locality code", max_length=40)
    ownership: Literal["state", "private"] | None = None
    language: LanguageCode | None = None
    kind: Literal["kindergarten", "mini_centre", "sanatorium"] | None = None
    age_from: int | None = Field(None, ge=0, le=7, description="Groups overlapping [age_from, age_to)")
    age_to: int | None = Field(None, ge=1, le=8)
    name: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _age_range(self) -> "OrganisationFilter":
        if self.age_from is not None and self.age_to is not None and self.age_from >= self.age_to:
            raise ValueError("age_from must be less than age_to")
        return self


class OrganisationOut(Schema):
    id: int
    bin: str
    name_ru: str
    name_kk: str
    locality: str = Field(alias="locality.code")
    kind: str
    ownership: str
    address: str


class FeeOut(Schema):
    age_from: int
    age_to: int
    monthly_fee: int


class GroupOut(Schema):
    id: int
    name: str
    age_from: int
    age_to: int
    language: str
    kind: str
    capacity: int
    academic_year: int


class OrganisationDetailOut(OrganisationOut):
    languages: list[str]
    work_week: str
    opens_at: WallClockTime
    closes_at: WallClockTime
    duty_group: str
    extra_equipment: str
    phone: str
    website: str
    email: str
    latitude: Decimal | None
    longitude: Decimal | None
    base_fees: list[FeeOut]
    groups: list[GroupOut] = Field(alias="active_groups")

    @staticmethod
    def resolve_languages(obj: Organisation) -> list[str]:
        return organisation_languages(obj)

    @staticmethod
    def resolve_base_fees(obj: Organisation) -> list[BaseFee]:
        return list(obj.base_fees.all())
