"""Statements printed in a batch: every chosen family's statement at one
location, in one PDF.

Staff choose the families (those that owe at the location, those that owe
at least a minimum, or rows chosen on the families listing), a location and
a statement date; `statement_batch_create` stores a StatementBatch and
queues `statement_batch_print`. The task runs in the worker process (the
django-tasks database backend), so closing the browser does not stop it; it
issues each family's statement (portal.billing.statements, which stores
what it prints), lays it out with WeasyPrint, and records its progress in
the batch row after each family, in a short write of its own, for the admin
to poll. A family whose statement cannot be made is listed with the reason
and the others go on.

Memory stays within a fixed ceiling however many families a batch has: the
laid-out pages are kept for at most CHUNK_SIZE statements, written to a PDF
file of their own in a private temporary folder (WeasyPrint's
Document.copy: each statement keeps its own "Page X of Y") and let go. At
the end pypdf joins the chunk files, in order, into one PDF, written to a
file and saved from it into private storage; the temporary folder is
removed whether the batch succeeds or not.

Issuing is idempotent per batch and family (the statement's request key),
so a batch run again after a crash issues no statement twice.
"""

from __future__ import annotations

import datetime
import logging
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_scopes import scope, scopes_disabled
from django_tasks import task
from pypdf import PdfReader, PdfWriter

from portal.families.models import Family

from .models import BatchStatus, LedgerEntry, StatementBatch, StatementKind
from .money import round_money
from .selectors import DEBIT, STANDING, with_open_amounts
from .statements import (
    _at_location,
    local_today,
    statement_document,
    statement_issue,
)

logger = logging.getLogger(__name__)

# How the families of a batch are chosen.
OWING = "owing"
MINIMUM = "minimum"
SELECTED = "selected"
RULES = (OWING, MINIMUM, SELECTED)

# Statements laid out before their pages are written to a chunk file. A
# laid-out one-page statement takes about 0.85 MB, so this bounds what a
# batch holds at once (the chunk files are joined at the end).
CHUNK_SIZE = 50

# A submitted form's key is remembered this long: the same submit again
# finds the batch it started instead of starting another.
REQUEST_KEY_SECONDS = 24 * 60 * 60

MESSAGES = {
    "no_location": _("Choose a location."),
    "rule_unknown": _("Choose which families to print."),
    "minimum_required": _("Enter the smallest balance to print."),
    "minimum_not_positive": _("Enter an amount above zero."),
    "date_required": _("Enter the statement date."),
    "date_future": _("The statement date cannot be after today."),
    "none_selected": _("Choose at least one family on the families listing."),
    "families_elsewhere": _(
        "Some of the chosen families do not belong to this location's organization."
    ),
    "no_family_owing": _("No family owes anything at this location."),
    "no_family_minimum": _("No family owes at least %(minimum)s at this location."),
    "not_ready": _("This batch has not finished printing."),
}

# Reasons recorded for a family whose statement could not be printed.
FAILURE_REASONS = {
    "family_gone": _("The family no longer exists."),
    "error": _("The statement could not be printed (%(error)s)."),
}


class BatchError(Exception):
    """Something the staff member starting a batch can fix."""

    def __init__(self, code, field=None, **params):
        self.code = code
        self.field = field
        self.message = MESSAGES[code] % params if params else MESSAGES[code]
        super().__init__(str(self.message))


# Which families ----------------


def families_owing(*, location, minimum: Decimal | None = None) -> list[int]:
    """Ids of the families whose charges connected with the location (as a
    statement for it counts them) still have at least `minimum` open — any
    amount above zero when None — ordered by family name. Two queries."""
    rows = (
        with_open_amounts(
            LedgerEntry.objects.filter(organization_id=location.organization_id)
        )
        .filter(_at_location(location))
        .filter(STANDING & DEBIT)
        .filter(open_amount__gt=0)
        .order_by()
        .values("family_id")
        .annotate(owed=Sum("open_amount"))
    )
    floor = round_money(minimum) if minimum is not None else Decimal("0.01")
    owing = [row["family_id"] for row in rows if row["owed"] >= floor]
    return list(
        Family.objects.filter(organization_id=location.organization_id, pk__in=owing)
        .order_by("name", "pk")
        .values_list("pk", flat=True)
    )


def batch_family_ids(
    *,
    location,
    rule: str,
    minimum: Decimal | None = None,
    family_ids: list[int] | None = None,
) -> list[int]:
    """The families a batch prints, by `rule`; BatchError when none."""
    if location is None:
        raise BatchError("no_location", field="location")
    if rule == OWING:
        ids = families_owing(location=location)
        if not ids:
            raise BatchError("no_family_owing")
        return ids
    if rule == MINIMUM:
        if minimum is None:
            raise BatchError("minimum_required", field="minimum")
        if round_money(minimum) <= 0:
            raise BatchError("minimum_not_positive", field="minimum")
        ids = families_owing(location=location, minimum=minimum)
        if not ids:
            from portal.formatting import format_money

            raise BatchError(
                "no_family_minimum",
                minimum=format_money(
                    round_money(minimum), location.organization.currency
                ),
            )
        return ids
    if rule == SELECTED:
        wanted = list(dict.fromkeys(int(pk) for pk in family_ids or ()))
        if not wanted:
            raise BatchError("none_selected")
        found = list(
            Family.objects.filter(
                organization_id=location.organization_id, pk__in=wanted
            )
            .order_by("name", "pk")
            .values_list("pk", flat=True)
        )
        if len(found) != len(wanted):
            raise BatchError("families_elsewhere")
        return found
    raise BatchError("rule_unknown", field="rule")


# Starting a batch ----------------


def _request_cache_key(organization_id, idempotency_key):
    return f"portico:statement-batch:{organization_id}:{idempotency_key}"


def statement_batch_create(
    *,
    location,
    as_of: datetime.date | None,
    family_ids: list[int],
    by=None,
    idempotency_key: str = "",
    language: str | None = None,
    now=None,
) -> StatementBatch:
    """Store a batch for these families and queue its printing. The same
    `idempotency_key` again (a form submitted twice) returns the first batch
    and queues nothing."""
    now = now or timezone.now()
    if location is None:
        raise BatchError("no_location", field="location")
    if as_of is None:
        raise BatchError("date_required", field="as_of")
    if as_of > local_today(location, now):
        raise BatchError("date_future", field="as_of")
    if not family_ids:
        raise BatchError("none_selected")
    cache_key = None
    if idempotency_key:
        cache_key = _request_cache_key(location.organization_id, idempotency_key)
        existing = cache.get(cache_key)
        if existing is not None:
            batch = StatementBatch.objects.filter(
                organization_id=location.organization_id, pk=existing
            ).first()
            if batch is not None:
                return batch
    batch = StatementBatch(
        organization_id=location.organization_id,
        location=location,
        as_of=as_of,
        family_ids=list(family_ids),
        total=len(family_ids),
        created_by=by,
        created_at=now,
    )
    batch.full_clean(
        exclude=["organization", "location", "created_by", "failures", "pdf"]
    )
    with transaction.atomic():
        batch.save()
    if cache_key is not None:
        cache.set(cache_key, batch.pk, REQUEST_KEY_SECONDS)
    statement_batch_print.enqueue(
        batch_id=batch.pk, language=language or translation.get_language()
    )
    return batch


# Printing ----------------


@task()
def statement_batch_print(*, batch_id: int, language: str | None = None) -> None:
    """The worker's job: print the batch inside its organization's scope."""
    with scopes_disabled():
        batch = StatementBatch.objects.select_related(
            "organization", "location", "created_by"
        ).get(pk=batch_id)
    with (
        scope(organization=batch.organization),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        batch_print(batch=batch)


def _progress(batch, **fields):
    """Record progress in one short write of its own."""
    for name, value in fields.items():
        setattr(batch, name, value)
    StatementBatch.objects.filter(pk=batch.pk).update(**fields)


def _failure(family_id, name, reason):
    return {"family_id": family_id, "family": name, "reason": str(reason)}


def batch_filename(batch) -> str:
    """ "statements-2026-03-31-main-pool.pdf"."""
    place = slugify(batch.location.name) or "location"
    return f"statements-{batch.as_of.isoformat()}-{place}.pdf"


def batch_print(*, batch: StatementBatch, now=None) -> StatementBatch:
    """Issue and lay out every family's statement, recording progress and
    failures after each, writing the pages to a chunk file every CHUNK_SIZE
    statements, then join the chunks into the batch's PDF. Run inside the
    organization's scope. A finished batch is left as it is."""
    if batch.status == BatchStatus.DONE:
        return batch
    now = now or timezone.now()
    _progress(batch, status=BatchStatus.RUNNING, started_at=now, done=0, failures=[])
    families = {
        family.pk: family
        for family in Family.objects.filter(
            organization_id=batch.organization_id, pk__in=batch.family_ids
        ).select_related("organization", "organization__portal_settings")
    }
    folder = Path(tempfile.mkdtemp(prefix=f"portico-batch-{batch.pk}-"))
    try:
        chunks = []
        documents = []
        failures = []
        for done, family_id in enumerate(batch.family_ids, start=1):
            family = families.get(family_id)
            if family is None:
                failures.append(_failure(family_id, "", FAILURE_REASONS["family_gone"]))
            else:
                try:
                    statement = statement_issue(
                        family=family,
                        location=batch.location,
                        kind=StatementKind.STATEMENT,
                        as_of=batch.as_of,
                        by=batch.created_by,
                        batch=batch,
                        idempotency_key=f"batch-{batch.pk}-{family.pk}",
                    )
                    documents.append(statement_document(statement))
                except Exception as error:  # noqa: BLE001 - listed, the rest go on
                    logger.exception(
                        "Statement batch %s: family %s failed", batch.pk, family.pk
                    )
                    failures.append(
                        _failure(
                            family.pk,
                            family.name,
                            FAILURE_REASONS["error"] % {"error": error},
                        )
                    )
            if len(documents) >= CHUNK_SIZE:
                if not _write_chunk(batch, documents, folder, chunks):
                    return batch
                documents = []
            fields = {"done": done}
            if len(failures) != len(batch.failures):
                fields["failures"] = list(failures)
            _progress(batch, **fields)
        if documents and not _write_chunk(batch, documents, folder, chunks):
            return batch
        del documents
        return _finish(batch, chunks=chunks, folder=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _failed(batch) -> StatementBatch:
    _progress(batch, status=BatchStatus.FAILED, finished_at=timezone.now())
    return batch


def _write_chunk(batch, documents, folder: Path, chunks: list[Path]) -> bool:
    """Write these statements' pages to the next chunk file, in order, and
    add it to `chunks`; on an error the batch is marked failed (False)."""
    path = folder / f"chunk-{len(chunks):05d}.pdf"
    try:
        pages = [page for document in documents for page in document.pages]
        documents[0].copy(pages).write_pdf(target=str(path))
    except Exception:  # noqa: BLE001 - the batch says it failed
        logger.exception("Statement batch %s: writing chunk %s failed", batch.pk, path)
        _failed(batch)
        return False
    chunks.append(path)
    return True


def join_pdfs(paths: list[Path], target: Path) -> None:
    """Join PDF files, in order, into `target` (the first one's document
    information, such as its title, is kept)."""
    writer = PdfWriter()
    for path in paths:
        writer.append(str(path))
    info = PdfReader(str(paths[0])).metadata
    if info:
        writer.add_metadata({key: str(value) for key, value in info.items()})
    with target.open("wb") as out:
        writer.write(out)


def _finish(batch, *, chunks: list[Path], folder: Path) -> StatementBatch:
    if not chunks:
        return _failed(batch)
    try:
        joined = folder / "batch.pdf"
        join_pdfs(chunks, joined)
        with joined.open("rb") as pdf:
            name = batch.pdf.storage.save(
                f"statement-batches/{batch.pk}-{batch_filename(batch)}", File(pdf)
            )
    except Exception:  # noqa: BLE001 - the batch says it failed
        logger.exception("Statement batch %s: joining the PDF failed", batch.pk)
        return _failed(batch)
    _progress(batch, status=BatchStatus.DONE, pdf=name, finished_at=timezone.now())
    return batch


# Reading ----------------


def batch_state(batch: StatementBatch) -> dict:
    """What the progress page shows, as plain values (the JSON endpoint)."""
    finished = batch.status in (BatchStatus.DONE, BatchStatus.FAILED)
    return {
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "done": batch.done,
        "total": batch.total,
        "percent": batch.percent,
        "finished": finished,
        "has_pdf": bool(batch.pdf),
        "failures": [
            {"family": row.get("family", ""), "reason": row.get("reason", "")}
            for row in batch.failures
        ],
        "summary": gettext("%(done)s of %(total)s families")
        % {"done": batch.done, "total": batch.total},
    }
