from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.families.decorators import family_required
from portal.families.errors import FamilyError
from portal.families.selectors import (
    guardianships_for_login,
    pending_required_policies,
)
from portal.families.services import guardian_for_invite, guardian_invite_accept
from portal.tenancy.middleware import FAMILY_SESSION_KEY

from . import throttle
from .emails import site_url
from .errors import AccountError
from .forms import ChangePasswordForm, EmailForm, LoginForm, NewPasswordForm, ResetForm
from .services import (
    login_exists,
    password_reset_confirm,
    password_reset_request,
)

RESET_SESSION_KEY = "portico_reset_email_{org_id}"


def _url(name, request, **kwargs):
    return reverse(name, kwargs={"org_slug": request.organization.slug, **kwargs})


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith(f"/portal/{request.organization.slug}/") and (
        url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return fallback


def after_login_url(request, family, fallback=None):
    """Required policies come first; then where the family was going."""
    if pending_required_policies(family=family):
        return _url("families:policies_review", request)
    return fallback or _url("portal:dashboard", request)


def start_family_session(request, user, guardian):
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[FAMILY_SESSION_KEY.format(org_id=request.organization.pk)] = (
        guardian.family_id
    )


def login_view(request, org_slug):
    organization = request.organization
    form = LoginForm(request.POST or None)
    suspended = False
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        # Throttled by django-axes inside authenticate() (see throttle.py).
        user = authenticate(
            request, email=email, password=form.cleaned_data["password"]
        )
        guardianships = (
            guardianships_for_login(organization=organization, user=user)
            if user is not None
            else []
        )
        if user is not None and not guardianships:
            throttle.login_refused(request, email)
        active = [g for g in guardianships if not g.family.is_suspended]
        if throttle.locked_out(request):
            form.add_error(None, AccountError("throttled").message)
        elif user is None or not guardianships:
            form.add_error(None, AccountError("login_failed").message)
        elif not active:
            suspended = True
        else:
            start_family_session(request, user, active[0])
            return redirect(
                after_login_url(request, active[0].family, _safe_next(request, None))
            )
    return render(
        request,
        "portal/accounts/login.html",
        {"form": form, "suspended": suspended, "next": request.GET.get("next", "")},
    )


@require_POST
def logout_view(request, org_slug):
    logout(request)
    return redirect(f"/portal/{org_slug}/")


def forgot_password(request, org_slug):
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        try:
            password_reset_request(
                organization=request.organization,
                email=email,
                base_url=site_url(request),
                ip=throttle.client_ip(request),
            )
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            request.session[
                RESET_SESSION_KEY.format(org_id=request.organization.pk)
            ] = email
            return redirect(_url("accounts:password_reset", request))
    return render(request, "portal/accounts/forgot_password.html", {"form": form})


def password_reset(request, org_slug):
    organization = request.organization
    email = request.session.get(RESET_SESSION_KEY.format(org_id=organization.pk))
    if not email:
        return redirect(_url("accounts:forgot_password", request))
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = password_reset_confirm(
                organization=organization,
                email=email,
                code=form.cleaned_data["code"].strip(),
                password=form.cleaned_data["password1"],
                ip=throttle.client_ip(request),
            )
        except AccountError as error:
            form.add_error(error.field, error.message)
        else:
            logout(request)
            active = [
                g
                for g in guardianships_for_login(organization=organization, user=user)
                if not g.family.is_suspended
            ]
            if active:
                # The parent is logged in: say so, and take them on.
                start_family_session(request, user, active[0])
                messages.success(request, _("Your password is changed."))
                return redirect(after_login_url(request, active[0].family))
            messages.success(request, _("Your password is changed. Please log in."))
            return redirect(_url("accounts:login", request))
    return render(
        request, "portal/accounts/password_reset.html", {"form": form, "email": email}
    )


def invite_accept(request, org_slug, token):
    organization = request.organization
    try:
        guardian = guardian_for_invite(organization=organization, token=token)
    except FamilyError:
        return render(request, "portal/accounts/invite_invalid.html", status=404)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password1"]
        # An email that already logs in proves it with its password, through
        # authenticate() and so through the log in throttle.
        if login_exists(guardian.invite_email) and (
            authenticate(request, email=guardian.invite_email, password=password)
            is None
        ):
            code = "throttled" if throttle.locked_out(request) else "invite_password"
            form.add_error(None, AccountError(code).message)
        else:
            try:
                guardian = guardian_invite_accept(
                    organization=organization, token=token, password=password
                )
            except FamilyError as error:
                form.add_error(None, error.message)
            else:
                logout(request)
                start_family_session(request, guardian.user, guardian)
                messages.success(
                    request, _("Welcome! You can now log in with this email.")
                )
                return redirect(after_login_url(request, guardian.family))
    return render(
        request,
        "portal/accounts/invite_accept.html",
        {"form": form, "guardian": guardian},
    )


@require_POST
@family_required
def switch_family(request, org_slug):
    try:
        family_id = int(request.POST.get("family", ""))
    except ValueError as exc:
        raise Http404 from exc
    if family_id not in {g.family_id for g in request.guardianships}:
        raise Http404
    request.session[FAMILY_SESSION_KEY.format(org_id=request.organization.pk)] = (
        family_id
    )
    return redirect(_url("portal:dashboard", request))


@family_required
def change_password(request, org_slug):
    form = ChangePasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        request.user.set_password(form.cleaned_data["password1"])
        request.user.save(update_fields=["password"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password is changed."))
        return redirect(_url("families:account", request))
    return render(request, "portal/accounts/change_password.html", {"form": form})
