"""Views of the Create Account wizard (see registration.py for its state)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.families.errors import FamilyError
from portal.families.services import email_can_start_family, family_register

from . import throttle
from .emails import site_url
from .errors import AccountError
from .models import CodePurpose
from .registration import Registration
from .services import code_request, code_verify
from .views import start_family_session


def _step_url(request, key):
    return reverse(
        "accounts:register_step",
        kwargs={"org_slug": request.organization.slug, "step": key},
    )


def register_start(request, org_slug):
    if not request.organization.portal_settings.allow_account_creation:
        raise Http404
    if request.family is not None:
        return redirect(reverse("portal:dashboard", kwargs={"org_slug": org_slug}))
    wizard = Registration(request)
    return redirect(_step_url(request, wizard.first_open_step().key))


def _send_code(request, wizard, email):
    """Same screen whether or not the email already has an account: the owner
    of an existing login is told by e-mail to log in instead (the background
    task decides which e-mail to send). Raises AccountError, changing
    nothing, past the limit of codes for the email or the client address."""
    code_request(
        organization=request.organization,
        email=email,
        purpose=CodePurpose.VERIFY_EMAIL,
        base_url=site_url(request),
        ip=throttle.client_ip(request),
    )
    wizard.state["pending_email"] = email
    wizard.save()


def register_step(request, org_slug, step):
    if not request.organization.portal_settings.allow_account_creation:
        raise Http404
    if request.family is not None:
        return redirect(reverse("portal:dashboard", kwargs={"org_slug": org_slug}))
    wizard = Registration(request)
    current = wizard.step(step)
    if current is None:
        raise Http404
    if not wizard.reachable(step):
        return redirect(_step_url(request, wizard.first_open_step().key))

    form = wizard.form(step)
    error_links = False
    if request.method == "POST":
        form = wizard.form(step, request.POST)
        valid = form is None or form.is_valid()
        if "back" in request.POST:
            wizard.remember(step, request.POST, done=valid and step != "code")
            previous = wizard.previous(step)
            return redirect(_step_url(request, previous.key if previous else step))
        if step == "code" and "resend" in request.POST:
            try:
                _send_code(request, wizard, wizard.state.get("pending_email") or "")
            except AccountError as error:
                messages.error(request, error.message)
            else:
                messages.info(request, _("We sent a new code."))
            return redirect(_step_url(request, step))
        if valid:
            result = _complete_step(request, wizard, step, form)
            if result is not None:
                return result
            error_links = getattr(form, "email_taken", False)
        else:
            wizard.remember(step, request.POST, done=False)

    return render(
        request,
        "portal/accounts/register_step.html",
        {
            "wizard": wizard,
            "step": current,
            "step_number": wizard.index(step) + 1,
            "step_count": len(wizard.steps),
            "form": form,
            "previous": wizard.previous(step),
            "summary": wizard.summary() if step == "confirm" else None,
            "pending_email": wizard.state.get("pending_email"),
            "error_links": error_links,
        },
    )


def _complete_step(request, wizard, step, form):
    """Store a valid step and move on; returns None to re-show with errors."""
    organization = request.organization
    if step == "email":
        email = form.cleaned_data["email"].strip().lower()
        if email != wizard.state.get("verified_email"):
            try:
                _send_code(request, wizard, email)
            except AccountError as error:
                form.add_error(None, error.message)
                return None
            wizard.state["verified_email"] = None
            wizard.remember(step, request.POST, done=True)
            wizard.reset_from("email")
        else:
            wizard.remember(step, request.POST, done=True)
    elif step == "code":
        email = wizard.state.get("pending_email") or ""
        try:
            code_verify(
                organization=organization,
                email=email,
                purpose=CodePurpose.VERIFY_EMAIL,
                code=form.cleaned_data["code"].strip(),
                ip=throttle.client_ip(request),
            )
        except AccountError as error:
            form.add_error("code", error.message)
            return None
        wizard.state["verified_email"] = email
        wizard.remember(step, {}, done=True)
    elif step == "contact":
        email = wizard.login_email or form.cleaned_data["email"]
        if not wizard.existing_user and not email_can_start_family(
            organization=organization, email=email
        ):
            form.add_error("email", FamilyError("email_taken").message)
            form.email_taken = True
            return None
        wizard.remember(step, request.POST, done=True)
    elif step == "password":
        wizard.set_password(form.cleaned_data["password1"])
        wizard.remember(step, {}, done=True)
    elif step == "confirm":
        return _create_account(request, wizard, form)
    else:
        wizard.remember(step, request.POST, done=True)
    following = wizard.next(step)
    return redirect(_step_url(request, following.key))


def _create_account(request, wizard, form):
    forms = {key: wizard.cleaned(key) for key in ("guardian", "contact", "address")}
    custom = wizard.cleaned("custom") if wizard.step("custom") else {}
    missing = [key for key, f in forms.items() if f is None] + (
        ["custom"] if custom is None else []
    )
    if not wizard.existing_user and not wizard.state.get("password_hash"):
        missing.append("password")
    if missing:
        # A step's stored answers no longer validate (a setting changed).
        for key in missing:
            if key in wizard.state["done"]:
                wizard.state["done"].remove(key)
        wizard.save()
        return redirect(_step_url(request, wizard.first_open_step().key))
    guardian, contact, address = forms["guardian"], forms["contact"], forms["address"]
    email = wizard.login_email or contact.cleaned_data["email"]
    try:
        created = family_register(
            organization=request.organization,
            email=email,
            password_hash=wizard.state.get("password_hash") or "",
            user=wizard.existing_user,
            first_name=guardian.cleaned_data["first_name"],
            last_name=guardian.cleaned_data["last_name"],
            relationship=guardian.cleaned_data["relationship"],
            emails=[
                {
                    "email": email,
                    "email_type": contact.cleaned_data["email_type"],
                    "subscribed": contact.cleaned_data["subscribed"],
                }
            ],
            phones=contact.phones(),
            address=address.address(),
            referral_source=address.cleaned_data.get("referral_source"),
            custom_values=custom.cleaned_data if custom else None,
            base_url=site_url(request),
        )
    except FamilyError as error:
        target = form
        if target is None:
            messages.error(request, error.message)
            return redirect(_step_url(request, "contact"))
        target.add_error(None, error.message)
        target.email_taken = error.code == "email_taken"
        return None
    wizard.clear()
    start_family_session(request, created.user, created)
    messages.success(request, _("Your family account is ready."))
    return redirect(
        reverse(
            "families:policies_review",
            kwargs={"org_slug": request.organization.slug},
        )
        + "?after=register"
    )
