"""Account Information: guardians, their contact data and secondary invites.

Who may do what (the services enforce it too; these views answer 404 first, so
an object the guardian may not touch looks like one that does not exist):

- the primary guardian manages every guardian, except the contact data of a
  secondary guardian who can log in (accepted the invite): that guardian
  manages it alone;
- a secondary guardian manages their own name and contact data only.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.emails import site_url
from portal.accounts.errors import AccountError
from portal.accounts.throttle import client_ip

from .decorators import family_required, primary_guardian_required
from .errors import FamilyError
from .guardian_forms import (
    CONTACT_FORMS,
    GuardianAddForm,
    GuardianForm,
    PaymentsForm,
    ReassignForm,
)
from .models import Guardian, InviteStatus
from .services import (
    CONTACT_MODELS,
    contact_add,
    contact_delete,
    contact_reassign,
    contact_update,
    guardian_add,
    guardian_delete,
    guardian_invite_revoke,
    guardian_invite_send,
    guardian_password_reset,
    guardian_set_payments,
    guardian_update,
)

CONTACT_TITLES = {
    ("email", "add"): gettext_lazy("Add Email"),
    ("email", "edit"): gettext_lazy("Edit Email"),
    ("phone", "add"): gettext_lazy("Add Phone"),
    ("phone", "edit"): gettext_lazy("Edit Phone"),
    ("address", "add"): gettext_lazy("Add Mailing Address"),
    ("address", "edit"): gettext_lazy("Edit Mailing Address"),
}
CONTACT_NAMES = {
    "email": gettext_lazy("email"),
    "phone": gettext_lazy("phone number"),
    "address": gettext_lazy("mailing address"),
}


def _account_url(request):
    return (
        reverse("families:account", kwargs={"org_slug": request.organization.slug})
        + "#account-information"
    )


def _may_manage(actor: Guardian, guardian: Guardian) -> bool:
    """May the actor see and change this guardian's details?"""
    if actor.pk == guardian.pk:
        return True
    return actor.is_primary and guardian.invite_status != InviteStatus.ACCEPTED


def _family_guardian(request, guardian_id) -> Guardian:
    guardian = (
        Guardian.objects.filter(family=request.family, pk=guardian_id)
        .select_related("user")
        .first()
    )
    if guardian is None:
        raise Http404
    return guardian


def _managed_guardian(request, guardian_id) -> Guardian:
    guardian = _family_guardian(request, guardian_id)
    if not _may_manage(request.guardian, guardian):
        raise Http404
    return guardian


def _secondary_guardian(request, guardian_id) -> Guardian:
    """A secondary guardian, for the primary guardian's invite actions."""
    guardian = _family_guardian(request, guardian_id)
    if guardian.is_primary:
        raise Http404
    return guardian


def _family_contact(request, kind, contact_id):
    model = CONTACT_MODELS.get(kind)
    if model is None:
        raise Http404
    contact = (
        model.objects.filter(family=request.family, pk=contact_id)
        .select_related("guardian__user")
        .first()
    )
    if contact is None:
        raise Http404
    if contact.guardian is None:
        if not request.guardian.is_primary:
            raise Http404
    elif not _may_manage(request.guardian, contact.guardian):
        raise Http404
    return contact


def _is_login_email(contact) -> bool:
    guardian = contact.guardian
    return (
        hasattr(contact, "email")
        and guardian is not None
        and guardian.user is not None
        and guardian.user.email.lower() == contact.email.lower()
    )


def _add_error(form, error):
    """Show a service's refusal next to its field (or above the form)."""
    if isinstance(error, FamilyError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return
    for field, errors in getattr(error, "error_dict", {None: error}).items():
        form.add_error(field if field in form.fields else None, errors)


# Guardians -----------------------------------------------------------------


@primary_guardian_required
def guardian_add_view(request, org_slug):
    form = GuardianAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = request.guardian
        try:
            with transaction.atomic():
                guardian = guardian_add(actor=actor, **form.guardian_data())
                for kind, data in (
                    ("email", form.email_data()),
                    ("phone", form.phone_data()),
                ):
                    if data:
                        contact_add(actor=actor, kind=kind, guardian=guardian, **data)
        except (FamilyError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was added as a guardian.") % {"name": guardian.full_name},
            )
            return redirect(_account_url(request))
    return render(
        request,
        "portal/families/guardians/guardian_form.html",
        {"form": form, "guardian": None},
    )


@family_required
def guardian_edit_view(request, org_slug, guardian_id):
    guardian = _managed_guardian(request, guardian_id)
    own = guardian.pk == request.guardian.pk
    form = GuardianForm(
        request.POST or None,
        own=own,
        initial={
            "first_name": guardian.first_name,
            "last_name": guardian.last_name,
            "relationship": guardian.relationship,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            guardian_update(
                actor=request.guardian, guardian=guardian, **form.cleaned_data
            )
        except (FamilyError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Guardian details saved."))
            return redirect(_account_url(request))
    return render(
        request,
        "portal/families/guardians/guardian_form.html",
        {"form": form, "guardian": guardian, "own": own},
    )


@primary_guardian_required
def guardian_delete_view(request, org_slug, guardian_id):
    guardian = _secondary_guardian(request, guardian_id)
    if guardian.invite_status == InviteStatus.ACCEPTED:
        # Their details are theirs: revoke the login first.
        raise Http404
    error = None
    if request.method == "POST":
        try:
            guardian_delete(actor=request.guardian, guardian=guardian)
        except FamilyError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("%(name)s is no longer a guardian of this family.")
                % {"name": guardian.full_name},
            )
            return redirect(_account_url(request))
    return render(
        request,
        "portal/families/guardians/guardian_delete.html",
        {"guardian": guardian, "error": error},
    )


@require_POST
@primary_guardian_required
def guardian_payments_view(request, org_slug, guardian_id):
    guardian = _secondary_guardian(request, guardian_id)
    form = PaymentsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether this guardian may make payments."))
        return redirect(_account_url(request))
    allowed = form.cleaned_data["allowed"]
    guardian_set_payments(actor=request.guardian, guardian=guardian, allowed=allowed)
    if allowed:
        text = _("%(name)s may now make payments.")
    else:
        text = _("%(name)s may no longer make payments.")
    messages.success(request, text % {"name": guardian.full_name})
    return redirect(_account_url(request))


@require_POST
@primary_guardian_required
def guardian_invite_view(request, org_slug, guardian_id):
    guardian = _secondary_guardian(request, guardian_id)
    resend = guardian.invite_status == InviteStatus.SENT
    try:
        guardian_invite_send(
            actor=request.guardian, guardian=guardian, base_url=site_url(request)
        )
    except FamilyError as error:
        messages.error(request, error.message)
    else:
        if resend:
            text = _(
                "A new invite was sent to %(email)s. The link sent before no "
                "longer works."
            )
        else:
            text = _("An invite was sent to %(email)s.")
        messages.success(request, text % {"email": guardian.invite_email})
    return redirect(_account_url(request))


@require_POST
@primary_guardian_required
def guardian_revoke_view(request, org_slug, guardian_id):
    guardian = _secondary_guardian(request, guardian_id)
    if guardian.invite_status not in (InviteStatus.SENT, InviteStatus.ACCEPTED):
        messages.error(
            request,
            _("%(name)s has no invite or login to revoke.")
            % {"name": guardian.full_name},
        )
        return redirect(_account_url(request))
    guardian_invite_revoke(actor=request.guardian, guardian=guardian)
    messages.success(
        request,
        _("%(name)s can no longer log in to this family account.")
        % {"name": guardian.full_name},
    )
    return redirect(_account_url(request))


@require_POST
@primary_guardian_required
def guardian_reset_password_view(request, org_slug, guardian_id):
    guardian = _secondary_guardian(request, guardian_id)
    if not guardian.can_log_in:
        messages.error(
            request,
            _("%(name)s does not log in yet: send an invite instead.")
            % {"name": guardian.full_name},
        )
        return redirect(_account_url(request))
    try:
        guardian_password_reset(
            actor=request.guardian,
            guardian=guardian,
            base_url=site_url(request),
            ip=client_ip(request),
        )
    except (FamilyError, AccountError) as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "%(name)s was e-mailed a link to choose a new password. Only "
                "they can ask for the code and enter it."
            )
            % {"name": guardian.full_name},
        )
    return redirect(_account_url(request))


# Contact data ----------------------------------------------------------------


@family_required
def contact_add_view(request, org_slug, guardian_id, kind):
    if kind not in CONTACT_FORMS:
        raise Http404
    guardian = _managed_guardian(request, guardian_id)
    form = CONTACT_FORMS[kind](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_add(
                actor=request.guardian,
                kind=kind,
                guardian=guardian,
                **form.contact_data(),
            )
        except (FamilyError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Contact details saved."))
            return redirect(_account_url(request))
    return render(
        request,
        "portal/families/guardians/contact_form.html",
        {
            "form": form,
            "kind": kind,
            "title": CONTACT_TITLES[kind, "add"],
            "owner": guardian,
        },
    )


@family_required
def contact_edit_view(request, org_slug, kind, contact_id):
    contact = _family_contact(request, kind, contact_id)
    form_class = CONTACT_FORMS[kind]
    extra = {"login_email": _is_login_email(contact)} if kind == "email" else {}
    form = form_class(
        request.POST or None, initial=form_class.initial_for(contact), **extra
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact_update(
                actor=request.guardian, contact=contact, **form.contact_data()
            )
        except (FamilyError, ValidationError) as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Contact details saved."))
            return redirect(_account_url(request))
    return render(
        request,
        "portal/families/guardians/contact_form.html",
        {
            "form": form,
            "kind": kind,
            "title": CONTACT_TITLES[kind, "edit"],
            "owner": contact.guardian,
            "contact": contact,
        },
    )


@family_required
def contact_delete_view(request, org_slug, kind, contact_id):
    contact = _family_contact(request, kind, contact_id)
    error = None
    if _is_login_email(contact):
        error = FamilyError("login_email_locked").message
    elif request.method == "POST":
        try:
            contact_delete(actor=request.guardian, contact=contact)
        except FamilyError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("The %(what)s was deleted.") % {"what": CONTACT_NAMES[kind]},
            )
            return redirect(_account_url(request))
    return render(
        request,
        "portal/families/guardians/contact_delete.html",
        {
            "contact": contact,
            "kind": kind,
            "what": CONTACT_NAMES[kind],
            "error": error,
        },
        status=409 if error and request.method == "POST" else 200,
    )


@primary_guardian_required
def contact_reassign_view(request, org_slug, kind, contact_id):
    contact = _family_contact(request, kind, contact_id)
    guardians = Guardian.objects.filter(family=request.family).order_by(
        "-is_primary", "pk"
    )
    form = ReassignForm(
        request.POST or None,
        contact=contact,
        guardians=guardians,
        actor=request.guardian,
    )
    locked = _is_login_email(contact)
    if request.method == "POST" and not locked and form.is_valid():
        try:
            contact_reassign(
                actor=request.guardian, contact=contact, guardian=form.guardian()
            )
        except FamilyError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Contact details moved."))
            return redirect(_account_url(request))
    return render(
        request,
        "portal/families/guardians/contact_reassign.html",
        {
            "form": form,
            "contact": contact,
            "kind": kind,
            "what": CONTACT_NAMES[kind],
            "locked": FamilyError("login_email_locked").message if locked else None,
        },
    )
