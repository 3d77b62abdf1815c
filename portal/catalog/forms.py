"""Forms of the booking pages."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.families.models import Gender
from portal.forms import PortalForm

SOMEONE_ELSE = "other"

MESSAGES = {
    "who": _("Choose one of your students, or someone else."),
    "dob_required": _("Enter the date of birth."),
    "dob_future": _("The date of birth cannot be in the future."),
    "dob_old": _("Check the year of birth."),
}


class FindClassForm(PortalForm):
    """Who the class is for: one of the family's students, or a child's date
    of birth and gender. Read from the query string so a result can be
    bookmarked or shared (a student choice only means something to its
    family)."""

    student = forms.ChoiceField(
        label=_("Who is the class for?"),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": MESSAGES["who"]},
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("Prefer not to say"))] + list(Gender.choices),
        required=False,
        help_text=_("Some classes are for girls or boys only."),
    )

    def __init__(self, *args, students=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or datetime.date.today()
        self.students = {str(student.pk): student for student in students}
        if self.students:
            self.fields["student"].choices = [
                (pk, student.first_name) for pk, student in self.students.items()
            ] + [(SOMEONE_ELSE, _("Someone else"))]
        else:
            del self.fields["student"]

    def clean(self):
        cleaned = super().clean()
        if "student" in self.errors:
            return cleaned
        choice = cleaned.get("student")
        if not choice:
            typed = self.data.get(self.add_prefix("date_of_birth"), "").strip()
            if self.students and not typed:
                # Nothing chosen at all. The birth date is shown only for
                # "Someone else", so the unanswered question is the one to
                # point at. (A shared link with a birth date still works.)
                self.add_error("student", MESSAGES["who"])
                return cleaned
            choice = SOMEONE_ELSE
        if choice != SOMEONE_ELSE:
            student = self.students[choice]
            # The child's details come from the student; whatever the hidden
            # fields held does not matter and is not reported.
            for name in ("date_of_birth", "gender"):
                self.errors.pop(name, None)
            cleaned["child"] = student
            cleaned["date_of_birth"] = student.date_of_birth
            cleaned["gender"] = student.gender
            return cleaned
        cleaned["child"] = None
        born = cleaned.get("date_of_birth")
        if "date_of_birth" in self.errors:
            return cleaned
        if born is None:
            self.add_error("date_of_birth", MESSAGES["dob_required"])
        elif born > self.today:
            self.add_error("date_of_birth", MESSAGES["dob_future"])
        elif born.year < self.today.year - 100:
            self.add_error("date_of_birth", MESSAGES["dob_old"])
        return cleaned
