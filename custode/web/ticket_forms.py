"""The forms of the staff's ticket pages: the queue's filters, a new ticket, a reply, a change, time spent."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from custode.tickets.models import Channel, Priority, Status
from custode.tickets.services import MAX_MINUTES
from custode.web.forms import QuickSelect

ACTIVE = "active"


class QueueFilters(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        (ACTIVE, _("Open or waiting")), *Status.choices, ("all", _("All"))])
    customer = forms.ChoiceField(label=_("Customer"), required=False, widget=QuickSelect)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, data, *, customers: list[tuple[str, str]]):
        super().__init__(data)
        self.fields["customer"].choices = [("", _("All customers")), *customers]


class NewTicketForm(forms.Form):
    customer = forms.ChoiceField(label=_("Customer"), widget=QuickSelect)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Request"), widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("what the customer asked, in their words"))
    asset = forms.CharField(label=_("Asset id"), required=False, max_length=63,
                            help_text=_("one of the customer's assets: its kind sets the response times"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    channel = forms.ChoiceField(label=_("Channel"), choices=[c for c in Channel.choices if c[0] != Channel.INCIDENT],
                                initial=Channel.PHONE)

    def __init__(self, *args, customers: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = customers


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}))
    internal = forms.BooleanField(label=_("Internal note (the customer does not see it)"), required=False)


class ChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False, widget=QuickSelect)

    def __init__(self, *args, staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("nobody")), *[(s.user.username, s.name) for s in staff]]


class TimeForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=MAX_MINUTES)
    note = forms.CharField(label=_("What was done"), required=False, max_length=300)


class QueuePosition(forms.Form):
    """Where in the queue a page starts: ``after`` or ``before`` the ticket of that number (the page links carry
    it), or the ``last`` page; none of them is the first page."""

    after = forms.IntegerField(required=False, min_value=1)
    before = forms.IntegerField(required=False, min_value=1)
    last = forms.BooleanField(required=False)

    def position(self) -> dict:
        """The keyword arguments of ``queue_page`` (after wins over before, before over last); ValueError naming
        the parameter when one is not a ticket number."""
        if not self.is_valid():
            raise ValueError("; ".join(f"{name}: {' '.join(errors)}" for name, errors in self.errors.items()))
        data = self.cleaned_data
        for name in ("after", "before"):
            if data[name]:
                return {name: data[name]}
        return {"last": True} if data["last"] else {}
