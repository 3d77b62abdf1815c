from functools import wraps

from django.shortcuts import redirect
from django.urls import reverse


def family_required(view):
    """Portal pages of a logged-in family; anyone else is sent to Log In."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.family is None:
            login_url = reverse(
                "accounts:login", kwargs={"org_slug": request.organization.slug}
            )
            return redirect(f"{login_url}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


def primary_guardian_required(view):
    from django.http import Http404

    @wraps(view)
    @family_required
    def wrapper(request, *args, **kwargs):
        if not request.guardian.is_primary:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
