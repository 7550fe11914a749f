"""Complaints and suggestions for staff: phones and names masked in the list; the answer is written through
`feedback_answer` (status, public answer, who and when)."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import ValidationFailed
from kezek.core.masking import mask_name, mask_phone

from .models import Feedback, Status
from .services import feedback_answer


class FeedbackAnswerForm(ModelForm):
    class Meta:
        model = Feedback
        fields = ["status", "answer"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == Status.ANSWERED and not (data.get("answer") or "").strip():
            self.add_error("answer", _("Write the answer."))
        return data


# What staff see of a message, in this order.
SHOWN_FIELDS = (
    "reference",
    "kind",
    "locality",
    "organisation",
    "created_at",
    "text",
    "contact_name",
    "phone",
    "status",
    "answer",
    "answered_at",
    "answered_by",
    "updated_at",
)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin[Feedback]):
    form = FeedbackAnswerForm
    list_display = [
        "reference",
        "kind",
        "locality",
        "organisation",
        "status",
        "created_at",
        "sender_masked",
        "phone_masked",
    ]
    list_filter = ["status", "kind", "locality"]
    search_fields = ["=reference"]
    ordering = ["-created_at"]
    show_full_result_count = False
    list_select_related = ["locality", "organisation"]
    fields = SHOWN_FIELDS
    # Staff edit only the answer (the form's fields); the rest is the sender's message and its record.
    readonly_fields = [name for name in SHOWN_FIELDS if name not in FeedbackAnswerForm.Meta.fields]

    @admin.display(description=_("sender"))
    def sender_masked(self, obj: Feedback) -> str:
        parts = obj.contact_name.split()
        return mask_name(parts[0], *parts[1:3]) if parts else str(_("anonymous"))

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, obj: Feedback) -> str:
        return mask_phone(obj.phone) if obj.phone else "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from the portal only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Feedback, form: Any, change: bool) -> None:
        try:
            feedback_answer(
                feedback=obj, by=request.user, status=form.cleaned_data["status"], answer=obj.answer or ""
            )
        except ValidationFailed as exc:  # pragma: no cover - the form's clean() catches these first
            raise ValidationError(str(exc.message)) from exc
