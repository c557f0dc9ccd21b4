from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from custode.directory.models import Customer, StaffProfile
from custode.incidents.models import Status as IncidentStatus
from custode.incidents.services import TEMPLATES
from custode.monitors.models import State


class DashboardFilters(forms.Form):
    customer = forms.ChoiceField(label=_("Customer"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *State.choices])

    def __init__(self, data, *, customers: list[Customer]):
        super().__init__(data)
        self.fields["customer"].choices = [("", _("All customers"))] + [(c.key, c.name) for c in customers]

    def is_filtered(self) -> bool:
        return any(self.cleaned_data.values())


class LanguageForm(forms.Form):
    # Each language is named in its own tongue, so nobody is lost after picking the wrong one.
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class IncidentUpdateForm(forms.Form):
    """A timeline entry. A template alone is enough: each reader then gets its stock text in their language."""

    status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    template = forms.ChoiceField(
        label=_("Template"), required=False,
        choices=[("", _("None: my own words"))] + [(t, IncidentStatus(t).label) for t in TEMPLATES],
    )
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=5000)
    public = forms.TypedChoiceField(label=_("Visibility"), coerce=lambda v: v == "public", initial="public",
                                    choices=[("public", _("Public: staff and affected customers")),
                                             ("internal", _("Internal: staff only"))])
    language = forms.ChoiceField(label=_("Language of the message"), choices=settings.LANGUAGES)

    def clean(self):
        data = super().clean()
        if not data.get("template") and not (data.get("message") or "").strip() and "message" not in self.errors:
            self.add_error("message", _("Write a message or choose a template."))
        return data


class ReassignForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"))

    def __init__(self, *args, staff: list[StaffProfile], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(p.user.username, f"{p.name} ({p.user.username})") for p in staff]


class ResolveForm(forms.Form):
    message = forms.CharField(label=_("Closing message (optional)"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    language = forms.ChoiceField(label=_("Language of the message"), choices=settings.LANGUAGES)


class HeldDecisionForm(forms.Form):
    """Which held messages to release or discard: IDS, else every held one (about TOPIC, when given)."""

    ids = forms.Field(required=False)  # several values: read whole in clean_ids
    topic = forms.CharField(required=False, max_length=100)
    next = forms.CharField(required=False)

    def clean_ids(self):
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        if not all(value.isdigit() for value in raw):
            raise forms.ValidationError(_("Message ids are numbers."))
        return [int(value) for value in raw]
