from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pages.models import PolicyKind
from snippets.models import CustomField

from . import form_tokens
from .decorators import family_required
from .errors import FamilyError
from .forms import CustomFieldsForm, StudentAddForm, StudentForm, custom_fields_for
from .models import CustomFieldValue, Student
from .selectors import (
    family_contacts,
    pending_required_policies,
    policy_items,
    students_of,
)
from .services import policy_answer, student_create, student_update


def _url(request, name, **kwargs):
    return reverse(name, kwargs={"org_slug": request.organization.slug, **kwargs})


@family_required
def account(request, org_slug):
    guardians, unassigned = family_contacts(family=request.family)
    return render(
        request,
        "portal/families/account.html",
        {
            "students": students_of(family=request.family),
            "guardians": guardians,
            "unassigned": unassigned,
        },
    )


# Policies ------------------------------------------------------------------


def _answers_from_post(request, items):
    """Map each pending item to True (accept), False (reject) or None."""
    return {
        item.key: {"accept": True, "reject": False}.get(request.POST.get(item.key))
        for item in items
    }


@family_required
def policies_review(request, org_slug):
    """Required policies that need an answer: shown at log in and after Create
    Account. Family policies must be accepted; student policies may be
    rejected, which keeps that student from enrolling."""
    family = request.family
    items = pending_required_policies(family=family)
    after = request.GET.get("after", "")
    done_url = (
        _url(request, "families:student_start")
        if after == "register"
        else _url(request, "portal:dashboard")
    )
    if not items:
        return redirect(done_url)
    errors = {}
    if request.method == "POST":
        answers = _answers_from_post(request, items)
        for item in items:
            answer = answers[item.key]
            if item.student is None and answer is not True:
                errors[item.key] = FamilyError("policy_required").message
            elif item.student is not None and answer is None:
                errors[item.key] = _("Choose I accept or I reject.")
        if not errors:
            for item in items:
                policy_answer(
                    family=family,
                    policy=item.policy,
                    student=item.student,
                    accepted=answers[item.key],
                    by=request.user,
                )
            return redirect(done_url)
    for item in items:
        item.error = errors.get(item.key)
        item.value = request.POST.get(item.key, "")
    return render(
        request,
        "portal/families/policies_review.html",
        {"items": items, "errors": errors, "after": after},
    )


@family_required
def policies_list(request, org_slug, kind):
    if kind not in (PolicyKind.FAMILY, PolicyKind.STUDENT):
        raise Http404
    items = [
        item for item in policy_items(family=request.family) if item.policy.kind == kind
    ]
    return render(
        request,
        "portal/families/policies_list.html",
        {"items": items, "kind": kind},
    )


@family_required
def policy_answer_view(request, org_slug, policy_id, student_id=None):
    """Answer one policy (again) from the policies list."""
    if request.method != "POST":
        raise Http404
    items = policy_items(family=request.family)
    item = next(
        (
            i
            for i in items
            if i.policy.pk == policy_id
            and (i.student.pk if i.student else None) == student_id
        ),
        None,
    )
    if item is None:
        raise Http404
    value = request.POST.get("answer")
    if value not in ("accept", "reject") or (
        value == "reject" and item.student is None and item.policy.required
    ):
        messages.error(request, FamilyError("policy_required").message)
    else:
        policy_answer(
            family=request.family,
            policy=item.policy,
            student=item.student,
            accepted=value == "accept",
            by=request.user,
        )
        messages.success(request, _("Your answer is saved."))
    return redirect(_url(request, "families:policies_list", kind=item.policy.kind))


# Students ------------------------------------------------------------------


def _student_fields(organization):
    return custom_fields_for(organization, CustomField.AppliesTo.STUDENT)


@family_required
def student_start(request, org_slug):
    return render(request, "portal/families/student_start.html")


def _student_form_context(request, form, custom_form, student=None):
    return {"form": form, "custom_form": custom_form, "student": student}


def _student_added(request, student):
    text = _("%(name)s was added to your family.") % {"name": student.full_name}
    # A second send of the form finds the first one's message still waiting.
    waiting = messages.get_messages(request)
    if not any(message.message == text for message in waiting):
        messages.success(request, text)
    waiting.used = False  # looking at the messages does not use them up
    return redirect(
        _url(request, "families:student_policies", student_id=student.pk) + "?new=1"
    )


@family_required
def student_add(request, org_slug):
    organization = request.organization
    fields = _student_fields(organization)
    gender_required = organization.portal_settings.require_student_gender
    form = StudentAddForm(
        request.POST or None,
        gender_required=gender_required,
        initial={form_tokens.FIELD: form_tokens.new_token()},
    )
    custom_form = CustomFieldsForm(request.POST or None, fields=fields, prefix="c")
    if request.method == "POST" and form.is_valid() and custom_form.is_valid():
        data = dict(form.cleaned_data)
        token = data.pop(form_tokens.FIELD)
        submission = token and form_tokens.Submission(
            purpose="student-add", owner=str(request.family.pk), token=token
        )
        first, earlier = submission.claim() if submission else (True, None)
        if not first:
            # The same form sent again (a double click, a reload): answer with
            # the student that the first submission added.
            student = Student.objects.filter(family=request.family, pk=earlier).first()
            if student is not None:
                return _student_added(request, student)
            form.add_error(
                None, _("This student is still being saved: look in My Account.")
            )
        else:
            student = None
            try:
                student = student_create(
                    family=request.family,
                    custom_values=custom_form.cleaned_data,
                    fields=fields,
                    **data,
                )
            except FamilyError as error:
                form.add_error(error.field, error.message)
            finally:
                if submission and student:
                    submission.done(student.pk)
                elif submission:
                    submission.release()  # refused or failed: may be sent again
            if student:
                return _student_added(request, student)
    return render(
        request,
        "portal/families/student_form.html",
        _student_form_context(request, form, custom_form),
    )


def _family_student(request, student_id):
    student = Student.objects.filter(family=request.family, pk=student_id).first()
    if student is None:
        raise Http404
    return student


@family_required
def student_edit(request, org_slug, student_id):
    organization = request.organization
    student = _family_student(request, student_id)
    fields = _student_fields(organization)
    values = {
        f"custom_{v.definition_id}": v.value
        for v in CustomFieldValue.objects.filter(student=student)
    }
    initial = {
        "first_name": student.first_name,
        "last_name": student.last_name,
        "date_of_birth": student.date_of_birth,
        "gender": student.gender,
        "has_allergies": "yes" if student.has_allergies else "no",
        "allergy_details": student.allergy_details,
    }
    form = StudentForm(
        request.POST or None,
        initial=initial,
        gender_required=organization.portal_settings.require_student_gender,
    )
    custom_form = CustomFieldsForm(
        request.POST or None, fields=fields, prefix="c", initial=values
    )
    if request.method == "POST" and form.is_valid() and custom_form.is_valid():
        try:
            student_update(
                student=student,
                custom_values=custom_form.cleaned_data,
                fields=fields,
                **form.cleaned_data,
            )
        except FamilyError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Student details saved."))
            return redirect(_url(request, "families:account"))
    return render(
        request,
        "portal/families/student_form.html",
        _student_form_context(request, form, custom_form, student),
    )


@family_required
def student_policies(request, org_slug, student_id):
    """Student policies for one student, each I accept or I reject."""
    student = _family_student(request, student_id)
    items = [
        item
        for item in policy_items(family=request.family, students=[student])
        if item.student is not None
    ]
    errors = {}
    if request.method == "POST":
        answers = {}
        for item in items:
            value = request.POST.get(f"policy_{item.policy.pk}")
            if value not in ("accept", "reject"):
                errors[item.policy.pk] = _("Choose I accept or I reject.")
            answers[item.policy.pk] = value == "accept"
        if not errors:
            for item in items:
                policy_answer(
                    family=request.family,
                    policy=item.policy,
                    student=student,
                    accepted=answers[item.policy.pk],
                    by=request.user,
                )
            return redirect(_url(request, "families:account"))
    if not items:
        return redirect(_url(request, "families:account"))
    for item in items:
        item.error = errors.get(item.policy.pk)
        posted = request.POST.get(f"policy_{item.policy.pk}")
        item.value = posted or (
            ("accept" if item.answer.accepted else "reject") if item.current else ""
        )
    return render(
        request,
        "portal/families/student_policies.html",
        {"student": student, "items": items, "new": request.GET.get("new") == "1"},
    )
