"""My Account > Transaction History and Statements: the family's ledger
entries, and statements, ledgers and year-end statements as PDF.

Issuing is a POST carrying the key made when the page was rendered; it
answers with a redirect to the statement's PDF, which downloads. An issued
statement downloads again from its own address, for its own family only.
None of these pages may be stored by a browser or a proxy."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from portal.families.decorators import family_required

from .models import Statement, StatementKind
from .statement_forms import IssueForm, LedgerRangeForm, YearForm
from .statements import (
    LEDGER_DEFAULT_DAYS,
    StatementError,
    history_entries,
    ledger_period,
    ledger_period_check,
    local_today,
    statement_filename,
    statement_for,
    statement_issue,
    statement_pdf,
    statements_for,
    year_choices,
)

HISTORY_PAGE_SIZE = 25
HISTORY_TABS = ("all", "charges", "payments", "refunds")
# URL segment -> Statement kind.
ISSUE_KINDS = {
    "statement": StatementKind.STATEMENT,
    "ledger": StatementKind.LEDGER,
    "year-end": StatementKind.YEAR_END,
}


def _no_store(response):
    add_never_cache_headers(response)
    return response


@family_required
@require_GET
def history(request, org_slug):
    kind = request.GET.get("kind", "all")
    if kind not in HISTORY_TABS:
        kind = "all"
    rows = history_entries(family=request.family, kind=kind)
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "tabs": HISTORY_TABS,
        "page_obj": page,
        "entries": list(page.object_list),
        "running_balance": kind == "all",
        "currency": request.organization.currency,
    }
    return _no_store(render(request, "portal/billing/history.html", context))


def _full_history(request) -> bool:
    return request.organization.portal_settings.show_full_ledger_history


def _render_statements(request, *, forms=None, status=200):
    family, location = request.family, request.location
    forms = forms or {}
    now = timezone.now()
    if "ledger" not in forms:
        if _full_history(request) and location is not None:
            start, end = ledger_period(location=location, now=now)
            forms["ledger"] = LedgerRangeForm(
                initial={"period_start": start, "period_end": end}
            )
        else:
            forms["ledger"] = IssueForm()
    years = year_choices(family=family, location=location, now=now) if location else []
    if "year_end" not in forms:
        forms["year_end"] = YearForm(years=years, initial={"year": years[:1] or None})
    context = {
        "statement_form": forms.get("statement") or IssueForm(),
        "ledger_form": forms["ledger"],
        "year_form": forms["year_end"],
        "full_history": _full_history(request),
        "ledger_days": LEDGER_DEFAULT_DAYS,
        "issued": statements_for(family=family),
        "currency": request.organization.currency,
    }
    response = render(request, "portal/billing/statements.html", context, status=status)
    return _no_store(response)


@family_required
@require_GET
def statements(request, org_slug):
    return _render_statements(request)


@family_required
@require_POST
def statement_new(request, org_slug, kind):
    if kind not in ISSUE_KINDS:
        raise Http404
    statement_kind = ISSUE_KINDS[kind]
    family, location = request.family, request.location
    now = timezone.now()
    form_key = "year_end" if statement_kind == StatementKind.YEAR_END else kind
    if statement_kind == StatementKind.YEAR_END:
        years = (
            year_choices(family=family, location=location, now=now) if location else []
        )
        form = YearForm(request.POST, years=years)
    elif statement_kind == StatementKind.LEDGER and _full_history(request):
        form = LedgerRangeForm(request.POST)
    else:
        form = IssueForm(request.POST)
    if not form.is_valid():
        return _render_statements(request, forms={form_key: form}, status=400)
    data = form.cleaned_data
    try:
        if location is None:
            raise StatementError("no_location")
        options = {}
        if statement_kind == StatementKind.LEDGER and _full_history(request):
            start, end = ledger_period_check(
                location=location,
                period_start=data["period_start"],
                period_end=data["period_end"],
                now=now,
            )
            options = {"period_start": start, "period_end": end}
        elif statement_kind == StatementKind.YEAR_END:
            options = {"year": data["year"]}
        statement = statement_issue(
            family=family,
            location=location,
            kind=statement_kind,
            as_of=local_today(location, now),
            by=request.user,
            idempotency_key=data["idempotency_key"],
            now=now,
            **options,
        )
    except StatementError as e:
        form.add_error(e.field if e.field in form.fields else None, e.message)
        return _render_statements(request, forms={form_key: form}, status=400)
    url = reverse(
        "billing:statement_pdf",
        kwargs={"org_slug": request.organization.slug, "statement_id": statement.pk},
    )
    return redirect(url)


@family_required
@require_GET
def statement_download(request, org_slug, statement_id):
    try:
        statement = statement_for(family=request.family, statement_id=statement_id)
    except Statement.DoesNotExist as e:
        raise Http404 from e
    response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{statement_filename(statement)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)


urlpatterns = [
    path("account/transactions/", history, name="history"),
    path("account/statements/", statements, name="statements"),
    path(
        "account/statements/new/<slug:kind>/",
        statement_new,
        name="statement_new",
    ),
    path(
        "account/statements/<int:statement_id>/pdf/",
        statement_download,
        name="statement_pdf",
    ),
]
