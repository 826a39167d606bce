from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import WebhookEvent


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What uses it, e.g. \"invoicing export\"."))
    access = forms.ChoiceField(label=_("Access"), widget=forms.RadioSelect, initial="read",
                               choices=[("read", _("Read only")),
                                        ("write", _("Read and write"))])


class WebhookForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=500,
                          help_text=_("Where the portal POSTs the events (https)."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=_("Offer events"), choices=WebhookEvent.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       initial=WebhookEvent.values)
