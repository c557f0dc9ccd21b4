from __future__ import annotations

from html import escape

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from custode.directory.models import StaffProfile
from custode.incidents.models import Status as IncidentStatus
from custode.incidents.services import TEMPLATES
from custode.lib import keyset
from custode.lib.changes import Invalid
from custode.monitors.models import State
from custode.web.selectors import MONITOR_KEY_TYPES


class QuickSelect(forms.Select):
    """A select whose options are written in Python. Django renders each option through a template, about
    0.2 ms apiece: 200 ms of every dashboard page for a provider with 1,000 customers."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in chosen else ""}>{escape(str(label))}</option>'
            for key, label in self.choices)
        return format_html("<select name=\"{}\"{}>{}</select>", name, flatatt(self.build_attrs(self.attrs, attrs)),
                           mark_safe(options))


class DashboardFilters(forms.Form):
    customer = forms.ChoiceField(label=_("Customer"), required=False, widget=QuickSelect)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *State.choices])

    def __init__(self, data, *, customers: list[tuple[str, str]]):
        super().__init__(data)
        self.fields["customer"].choices = [("", _("All customers")), *customers]

    def is_filtered(self) -> bool:
        return any(self.cleaned_data.values())


class DashboardPosition(forms.Form):
    """Where in the dashboard's order a page starts: ``after`` or ``before`` a cursor its links carry, or the
    ``last`` page; none of them is the first page."""

    after = forms.CharField(required=False)
    before = forms.CharField(required=False)
    last = forms.BooleanField(required=False)

    def _cursor(self, name: str) -> list | None:
        cursor = self.cleaned_data[name]
        if not cursor:
            return None
        try:
            return keyset.decode(cursor, MONITOR_KEY_TYPES, name=name)
        except Invalid as e:
            raise forms.ValidationError(str(e)) from None

    def clean_after(self):
        return self._cursor("after")

    def clean_before(self):
        return self._cursor("before")

    def position(self) -> dict:
        """The keyword arguments of ``monitor_page`` for this position (after wins over before, before over last)."""
        data = self.cleaned_data
        if data["after"] is not None:
            return {"after": data["after"]}
        if data["before"] is not None:
            return {"before": data["before"]}
        return {"last": data["last"]}


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
