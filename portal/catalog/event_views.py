"""Camp (event) and party booking pages: browsing needs no login."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import event_selectors
from .models import Event, PartyPackage

UNKNOWN_PACKAGE = _("That party package was not found. Choose one from the list.")


def event_list(request, org_slug):
    events = event_selectors.events_upcoming(organization=request.organization)
    return render(request, "portal/catalog/events/list.html", {"events": events})


def event_detail(request, org_slug, event_id):
    try:
        event = event_selectors.event_get(
            organization=request.organization, event_id=event_id
        )
    except Event.DoesNotExist as exc:
        raise Http404 from exc
    days = event_selectors.event_days(event=event)
    event.cancelled_by = event_selectors.camp_cancelled_by(days)
    context = {"event": event, "ages": event_selectors.ages_text(event), "days": days}
    return render(request, "portal/catalog/events/detail.html", context)


def party_list(request, org_slug):
    organization = request.organization
    context = {
        "packages": event_selectors.party_packages(organization=organization),
        "package": None,
        "days": [],
        "error": "",
    }
    status = 200
    wanted = request.GET.get("package", "")
    if wanted:
        try:
            package = event_selectors.party_package_get(
                organization=organization, package_id=int(wanted)
            )
        except (ValueError, OverflowError, PartyPackage.DoesNotExist):
            context["error"] = UNKNOWN_PACKAGE
            status = 404
        else:
            context["package"] = package
            context["days"] = event_selectors.party_days_open(
                organization=organization, location=request.location, package=package
            )
    return render(request, "portal/catalog/events/parties.html", context, status=status)
