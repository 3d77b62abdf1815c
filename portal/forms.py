from django import forms


class PortalForm(forms.Form):
    """Base of the portal's forms: labels without Django's trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
