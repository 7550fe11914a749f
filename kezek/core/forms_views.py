"""The shared skeleton of a web view's posted form: validate, call the service, show its refusal."""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.http import HttpResponse

from .errors import DomainError


def form_posted(
    form: forms.BaseForm,
    on_valid: Callable[[dict[str, Any]], HttpResponse],
    *,
    field: Callable[[DomainError], str | None] | None = None,
    also: Iterable[Any] = (),
) -> tuple[HttpResponse | None, int]:
    """A posted form: `on_valid`'s answer (it calls the service) when the form (and each of `also`, e.g. a
    formset) is valid and the service agrees; otherwise no answer and the status to show the form again
    with — 422 for invalid input, or the refusal's own status with its message (DomainError) on the field
    `field(exc)` names (above the form when it names none, or one the form does not have)."""
    if not all(part.is_valid() for part in (form, *also)):
        return None, 422
    try:
        return on_valid(form.cleaned_data), 200
    except DomainError as exc:
        name = field(exc) if field is not None else None
        form.add_error(name if name in form.fields else None, str(exc.message))
        return None, exc.status
