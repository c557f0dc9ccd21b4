from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from custode.directory.models import Customer
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
