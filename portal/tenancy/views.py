from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pages.selectors import portal_navigation

from .models import Location
from .selectors import dashboard_tiles
from .services import location_choose

WELCOME_COOKIE = "portico_welcome_{slug}"


def dashboard(request, org_slug):
    organization = request.organization
    nav = portal_navigation(organization=organization, request=request)
    context = {
        "tiles": dashboard_tiles(request=request, organization=organization, nav=nav)
    }
    home = context["tiles"].home
    welcome = home if home is not None and home.welcome_enabled else None
    cookie = WELCOME_COOKIE.format(slug=organization.slug)
    # Shown by itself once per browser session: a cookie without an expiry
    # lasts exactly as long as the browser session.
    context["welcome"] = welcome
    if request.family is not None:
        from portal.catalog.selectors import coming_up

        context["coming_up"] = coming_up(family=request.family)
        from portal.billing.collect import outstanding_total

        context["outstanding"] = outstanding_total(family=request.family)
    context["welcome_open"] = welcome is not None and (
        request.GET.get("welcome") == "1" or cookie not in request.COOKIES
    )
    response = render(request, "portal/tenancy/dashboard.html", context)
    if welcome is not None:
        response.set_cookie(cookie, "seen", samesite="Lax", httponly=True)
    return response


@require_POST
def location_switch(request, org_slug):
    try:
        location_choose(
            request=request,
            organization=request.organization,
            location_id=int(request.POST.get("location", "")),
        )
    except (ValueError, Location.DoesNotExist) as exc:
        raise Http404 from exc
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not next_url.startswith(f"/portal/{org_slug}/"):
        next_url = f"/portal/{org_slug}/home/"
    return redirect(next_url)


def legacy_portal_redirect(request, org_slug, rest=""):
    """The old parent portal address answers with a permanent redirect."""
    target = f"/portal/{org_slug}/{rest}"
    if request.META.get("QUERY_STRING"):
        target = f"{target}?{request.META['QUERY_STRING']}"
    return HttpResponsePermanentRedirect(target)
