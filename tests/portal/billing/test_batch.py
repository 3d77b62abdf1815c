"""Statements printed in a batch: which families, the background task and its
progress, failures, the merged PDF, and the admin screens with their
permissions (portal/billing/batch.py, batch_admin.py)."""

import datetime
import io
import re
import tempfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from portal.billing import batch as batch_module
from portal.billing.batch import (
    MINIMUM,
    OWING,
    SELECTED,
    BatchError,
    batch_family_ids,
    batch_print,
    statement_batch_create,
)
from portal.billing.models import BatchStatus, Statement, StatementBatch
from portal.billing.statements import (
    local_today,
    statement_document,
    statement_issue,
)
from portal.tenancy.models import StaffRole
from tests.factories import make_family, make_organization, make_staff
from tests.factories.batch import (
    locations_of,
    make_owing_family,
    make_staff_with_role,
    owe,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def org():
    return make_organization(name="Alpha Swim", locations=2)


@pytest.fixture
def places(org):
    return locations_of(org)


@pytest.fixture
def main(places):
    return places[0]


@pytest.fixture
def annex(places):
    return places[1]


@pytest.fixture
def families(org, main, annex):
    """Adams owes 120 and Baker 30 at the main location; Clark has paid
    nothing and owes nothing; Davis owes 50 at the annex only."""
    return {
        "Adams": make_owing_family(org, "Adams", ["80", "40"], location=main),
        "Baker": make_owing_family(org, "Baker", ["30"], location=main),
        "Clark": make_owing_family(org, "Clark"),
        "Davis": make_owing_family(org, "Davis", ["50"], location=annex),
    }


@pytest.fixture
def desk(org):
    return make_staff_with_role(org, StaffRole.FRONT_DESK, first_name="Desk")


@pytest.fixture
def other_org():
    return make_organization(name="Bravo Gym")


def names(ids):
    from portal.families.models import Family

    with scopes_disabled():
        by_id = dict(Family.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [by_id[pk] for pk in ids]


def create(location, family_ids, *, as_of=None, by=None, key=""):
    with scope(organization=location.organization_id):
        return statement_batch_create(
            location=location,
            as_of=as_of or local_today(location),
            family_ids=family_ids,
            by=by,
            idempotency_key=key,
        )


def pdf_pages(data):
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def batch_pdf(batch):
    with batch.pdf.open("rb") as f:
        return f.read()


# Which families ----------------


def test_every_family_that_owes_at_the_location_by_name(families, main, annex):
    with scope(organization=main.organization_id):
        assert names(batch_family_ids(location=main, rule=OWING)) == [
            "Adams",
            "Baker",
        ]
        assert names(batch_family_ids(location=annex, rule=OWING)) == ["Davis"]


def test_a_charge_paid_or_reversed_no_longer_counts(org, main, families):
    from portal.billing.services import credit_post

    with scope(organization=org.pk):
        credit_post(
            family=families["Baker"],
            amount=D("30"),
            reason="Paid at the desk",
            idempotency_key="baker-paid",
            apply=True,
        )
        assert names(batch_family_ids(location=main, rule=OWING)) == ["Adams"]


def test_families_that_owe_at_least_a_minimum(families, main):
    with scope(organization=main.organization_id):
        assert names(
            batch_family_ids(location=main, rule=MINIMUM, minimum=D("30"))
        ) == [
            "Adams",
            "Baker",
        ]
        assert names(
            batch_family_ids(location=main, rule=MINIMUM, minimum=D("30.01"))
        ) == ["Adams"]
        assert names(
            batch_family_ids(location=main, rule=MINIMUM, minimum=D("120"))
        ) == ["Adams"]
        with pytest.raises(BatchError) as error:
            batch_family_ids(location=main, rule=MINIMUM, minimum=D("120.01"))
    assert error.value.code == "no_family_minimum"
    assert "$120.01" in str(error.value.message)


@pytest.mark.parametrize(
    ("minimum", "code"),
    [
        (None, "minimum_required"),
        (D("0"), "minimum_not_positive"),
        (D("-5"), "minimum_not_positive"),
    ],
)
def test_a_minimum_must_be_above_zero(families, main, minimum, code):
    with scope(organization=main.organization_id), pytest.raises(BatchError) as error:
        batch_family_ids(location=main, rule=MINIMUM, minimum=minimum)
    assert error.value.code == code
    assert error.value.field == "minimum"


def test_selected_families_whether_they_owe_or_not(families, main):
    chosen = [families["Clark"].pk, families["Adams"].pk]
    with scope(organization=main.organization_id):
        assert names(
            batch_family_ids(location=main, rule=SELECTED, family_ids=chosen)
        ) == [
            "Adams",
            "Clark",
        ]


def test_selected_families_of_another_organization_are_refused(
    families, main, other_org
):
    stranger = make_family(other_org).family
    with scope(organization=main.organization_id), pytest.raises(BatchError) as error:
        batch_family_ids(
            location=main,
            rule=SELECTED,
            family_ids=[families["Adams"].pk, stranger.pk],
        )
    assert error.value.code == "families_elsewhere"


def test_nobody_owing_is_said_plainly(org, main):
    make_owing_family(org, "Clark")
    with scope(organization=org.pk), pytest.raises(BatchError) as error:
        batch_family_ids(location=main, rule=OWING)
    assert str(error.value.message) == "No family owes anything at this location."


# Printing ----------------


def test_a_batch_prints_every_family_and_merges_one_pdf(families, main, desk):
    ids = [families["Adams"].pk, families["Baker"].pk]
    batch = create(main, ids, by=desk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert (batch.done, batch.total, batch.percent) == (2, 2, 100)
    assert batch.failures == []
    assert batch.started_at and batch.finished_at
    with scopes_disabled():
        statements = list(Statement.objects.filter(batch=batch).order_by("number"))
    assert [s.family.name for s in statements] == ["Adams", "Baker"]
    assert [s.total for s in statements] == [D("120.00"), D("30.00")]
    assert all(s.issued_by == desk and s.kind == "statement" for s in statements)
    pages = pdf_pages(batch_pdf(batch))
    assert len(pages) == 2
    assert "Adams" in pages[0] and "$120.00" in pages[0] and "Page 1 of 1" in pages[0]
    assert "Baker" in pages[1] and "$30.00" in pages[1] and "Page 1 of 1" in pages[1]
    assert "Baker" not in pages[0]


def test_each_statement_keeps_its_own_page_numbers(org, main, families):
    """A family with many charges fills several pages; the next family's
    statement starts again at page 1."""
    long = make_owing_family(org, "Abbott", ["5"] * 70, location=main)
    ids = [long.pk, families["Baker"].pk]
    with scope(organization=org.pk):
        alone = len(
            statement_document(
                statement_issue(
                    family=long,
                    location=main,
                    kind="statement",
                    as_of=local_today(main),
                )
            ).pages
        )
    assert alone >= 2
    batch = create(main, ids)
    batch.refresh_from_db()
    with scopes_disabled():
        number = Statement.objects.get(batch=batch, family=long).number
    pages = pdf_pages(batch_pdf(batch))
    assert len(pages) == alone + 1
    assert "Abbott" in pages[0]
    for page, text in enumerate(pages[:alone], start=1):
        assert f"Statement {number} Page {page} of {alone}" in text
    assert "Page 1 of 1" in pages[alone] and "Baker" in pages[alone]


def test_chunks_are_joined_in_order_across_their_boundaries(
    org, main, families, monkeypatch, tmp_path
):
    """Two statements per chunk: five families make three chunk files, and
    the joined PDF has every statement in order, each with its own page
    numbers, including the long one that opens the second chunk. The
    temporary chunk files are gone afterwards."""
    monkeypatch.setattr(batch_module, "CHUNK_SIZE", 2)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    joined = []
    join = batch_module.join_pdfs

    def spy(paths, target):
        joined.append([(path.name, path.is_file()) for path in paths])
        joined.append(oct(paths[0].parent.stat().st_mode & 0o777))
        join(paths, target)

    monkeypatch.setattr(batch_module, "join_pdfs", spy)
    evans = make_owing_family(org, "Evans", ["5"] * 70, location=main)
    fox = make_owing_family(org, "Fox", ["15"], location=main)
    grant = make_owing_family(org, "Grant", ["25"], location=main)
    order = [families["Adams"], families["Baker"], evans, fox, grant]
    batch = create(main, [family.pk for family in order])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.done == 5
    assert joined == [
        [
            ("chunk-00000.pdf", True),
            ("chunk-00001.pdf", True),
            ("chunk-00002.pdf", True),
        ],
        "0o700",
    ]
    assert list(tmp_path.iterdir()) == []
    with scopes_disabled():
        numbers = dict(
            Statement.objects.filter(batch=batch).values_list("family__name", "number")
        )
    pages = pdf_pages(batch_pdf(batch))
    long = len(pages) - 4
    assert long >= 2
    expected = (
        [("Adams", "$120.00", 1, 1), ("Baker", "$30.00", 1, 1)]
        + [("Evans", None, page, long) for page in range(1, long + 1)]
        + [("Fox", "$15.00", 1, 1), ("Grant", "$25.00", 1, 1)]
    )
    for text, (name, total, page, of) in zip(pages, expected, strict=True):
        assert page > 1 or name in text
        assert f"Statement {numbers[name]} Page {page} of {of}" in text
        assert total is None or total in text
        others = {"Adams", "Baker", "Evans", "Fox", "Grant"} - {name}
        assert not any(other in text for other in others)
    assert "$350.00" in pages[2 + long - 1]


def test_the_temporary_files_are_removed_when_joining_fails(
    families, main, monkeypatch, tmp_path
):
    monkeypatch.setattr(batch_module, "CHUNK_SIZE", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []

    def broken(paths, target):
        seen.extend(path.is_file() for path in paths)
        raise OSError("disk full")

    monkeypatch.setattr(batch_module, "join_pdfs", broken)
    batch = create(main, [families["Adams"].pk, families["Baker"].pk])
    batch.refresh_from_db()
    assert seen == [True, True]
    assert batch.status == BatchStatus.FAILED and batch.finished_at
    assert not batch.pdf
    assert list(tmp_path.iterdir()) == []


def test_a_chunk_that_cannot_be_written_fails_the_batch(
    families, main, monkeypatch, tmp_path
):
    monkeypatch.setattr(batch_module, "CHUNK_SIZE", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    class Unwritable:
        def __init__(self, document):
            self.pages = document.pages

        def copy(self, pages):
            raise OSError("disk full")

    monkeypatch.setattr(
        batch_module,
        "statement_document",
        lambda statement: Unwritable(statement_document(statement)),
    )
    batch = create(main, [families["Adams"].pk, families["Baker"].pk])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.finished_at
    assert not batch.pdf
    with scopes_disabled():
        assert Statement.objects.filter(batch=batch).count() == 1
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_files_are_removed_when_printing_stops(
    families, main, monkeypatch, tmp_path
):
    """An error outside any one family's statement (here: recording
    progress) ends the task, and the chunk files written so far go too."""
    monkeypatch.setattr(batch_module, "CHUNK_SIZE", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    progress = batch_module._progress
    written = []

    def failing(batch, **fields):
        if fields.get("done") == 2:
            written.extend(path.name for path in next(tmp_path.iterdir()).iterdir())
            raise RuntimeError("database gone")
        progress(batch, **fields)

    monkeypatch.setattr(batch_module, "_progress", failing)
    batch = create(main, [families["Adams"].pk, families["Baker"].pk])
    assert sorted(written) == ["chunk-00000.pdf", "chunk-00001.pdf"]
    assert list(tmp_path.iterdir()) == []
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and not batch.pdf


def test_progress_is_recorded_after_each_family(families, main, monkeypatch):
    seen = []

    def document(statement):
        with scopes_disabled():
            row = StatementBatch.objects.get(pk=statement.batch_id)
        seen.append((row.status, row.done, row.total))
        return statement_document(statement)

    monkeypatch.setattr(batch_module, "statement_document", document)
    ids = [families[name].pk for name in ("Adams", "Baker", "Clark")]
    batch = create(main, ids)
    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.percent) == ("done", 3, 100)


def test_a_family_that_fails_is_listed_and_the_others_print(
    families, main, monkeypatch
):
    def document(statement):
        if statement.family.name == "Baker":
            raise ValueError("the logo file is unreadable")
        return statement_document(statement)

    monkeypatch.setattr(batch_module, "statement_document", document)
    ids = [families[name].pk for name in ("Adams", "Baker", "Clark")]
    batch = create(main, ids)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.done == 3
    assert [(f["family"], f["family_id"]) for f in batch.failures] == [
        ("Baker", families["Baker"].pk)
    ]
    assert "the logo file is unreadable" in batch.failures[0]["reason"]
    pages = pdf_pages(batch_pdf(batch))
    assert len(pages) == 2
    assert "Adams" in pages[0] and "Clark" in pages[1]
    assert not any("Baker" in text for text in pages)


def test_a_family_deleted_since_is_listed(org, families, main):
    ids = [families["Adams"].pk, 999_999]
    batch = create(main, ids)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.failures == [
        {
            "family_id": 999_999,
            "family": "",
            "reason": "The family no longer exists.",
        }
    ]
    assert len(pdf_pages(batch_pdf(batch))) == 1


def test_a_batch_where_nothing_prints_has_failed(families, main, monkeypatch):
    def document(statement):
        raise ValueError("broken")

    monkeypatch.setattr(batch_module, "statement_document", document)
    batch = create(main, [families["Adams"].pk])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert not batch.pdf
    assert batch.done == 1 and len(batch.failures) == 1


def test_printing_again_issues_no_statement_twice(families, main):
    batch = create(main, [families["Adams"].pk])
    with scopes_disabled():
        batch.refresh_from_db()
        before = list(Statement.objects.values_list("pk", flat=True))
        StatementBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
        batch.refresh_from_db()
    with scope(organization=main.organization_id):
        batch_print(batch=batch)
    with scopes_disabled():
        assert list(Statement.objects.values_list("pk", flat=True)) == before
        batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE


def test_the_same_request_key_starts_one_batch(families, main):
    first = create(main, [families["Adams"].pk], key="form-1")
    again = create(main, [families["Adams"].pk], key="form-1")
    assert again.pk == first.pk
    with scopes_disabled():
        assert StatementBatch.objects.count() == 1
        assert Statement.objects.count() == 1


def test_a_statement_date_after_today_is_refused(families, main):
    tomorrow = local_today(main) + datetime.timedelta(days=1)
    with pytest.raises(BatchError) as error:
        create(main, [families["Adams"].pk], as_of=tomorrow)
    assert error.value.field == "as_of"
    with scopes_disabled():
        assert not StatementBatch.objects.exists()


def test_the_statement_date_counts_what_was_open_then(org, main):
    family = make_owing_family(org, "Evans", ["25"], location=main)
    owe(family, "70", location=main, days_ago=0)
    as_of = local_today(main) - datetime.timedelta(days=5)
    batch = create(main, [family.pk], as_of=as_of)
    batch.refresh_from_db()
    text = pdf_pages(batch_pdf(batch))[0]
    assert "$25.00" in text and "$70.00" not in text


# The admin ----------------


def new_url(*family_ids):
    url = reverse("billing_batch_new")
    if family_ids:
        url += "?" + "&".join(f"family={pk}" for pk in family_ids)
    return url


def form_data(place, **overrides):
    data = {
        "location": place.pk,
        "rule": OWING,
        "minimum": "",
        "as_of": local_today(place).isoformat(),
        "families": "",
        "request_key": "key-1",
    }
    data.update(overrides)
    return data


def test_staff_start_a_batch_and_see_it_done(client, families, main, desk):
    client.force_login(desk)
    page = client.get(new_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Every family that owes at this location" in html
    assert f'value="{local_today(main).isoformat()}"' in html
    assert "Bravo" not in html
    response = client.post(new_url(), form_data(main))
    with scopes_disabled():
        batch = StatementBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_batch_detail", args=[batch.pk])
    assert batch.family_ids == [families["Adams"].pk, families["Baker"].pk]
    assert batch.created_by == desk
    detail = client.get(response["Location"]).content.decode()
    assert "Done" in detail
    assert 'value="100"' in detail
    assert "2 of 2 families" in detail
    assert reverse("billing_batch_download", args=[batch.pk]) in detail
    assert "js/admin/batch_progress.js" in detail
    download = client.get(reverse("billing_batch_download", args=[batch.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert (
        f"statements-{local_today(main).isoformat()}-"
        in download["Content-Disposition"]
    )
    pages = pdf_pages(b"".join(download.streaming_content))
    assert ["Adams" in pages[0], "Baker" in pages[1]] == [True, True]


def test_the_minimum_rule_from_the_form(client, families, main, desk):
    client.force_login(desk)
    client.post(new_url(), form_data(main, rule=MINIMUM, minimum="100"))
    with scopes_disabled():
        assert StatementBatch.objects.get().family_ids == [families["Adams"].pk]


def test_the_progress_endpoint(client, families, main, desk, monkeypatch):
    client.force_login(desk)
    batch = create(main, [families["Adams"].pk])
    data = client.get(reverse("billing_batch_progress", args=[batch.pk])).json()
    assert data["status"] == "done" and data["finished"] is True
    assert (data["done"], data["total"], data["percent"]) == (1, 1, 100)
    assert data["download_url"] == reverse("billing_batch_download", args=[batch.pk])
    assert data["failures"] == []
    # A batch still printing: its numbers so far, no download yet.
    with scopes_disabled():
        StatementBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.RUNNING,
            done=1,
            total=4,
            pdf="",
            failures=[{"family_id": 1, "family": "Baker", "reason": "Broken"}],
        )
    data = client.get(reverse("billing_batch_progress", args=[batch.pk])).json()
    assert (data["status"], data["percent"], data["finished"]) == ("running", 25, False)
    assert data["summary"] == "1 of 4 families"
    assert data["download_url"] is None
    assert data["failures"] == [{"family": "Baker", "reason": "Broken"}]
    page = client.get(reverse("billing_batch_detail", args=[batch.pk])).content.decode()
    assert 'value="25"' in page and "Printing" in page
    assert 'data-finished="false"' in page
    assert "Broken" in page
    assert reverse("billing_batch_download", args=[batch.pk]) not in page
    # Not finished: nothing to download.
    download = client.get(reverse("billing_batch_download", args=[batch.pk]))
    assert download.status_code == 404


def test_failures_are_listed_on_the_page(client, families, main, desk, monkeypatch):
    def document(statement):
        if statement.family.name == "Baker":
            raise ValueError("no address")
        return statement_document(statement)

    monkeypatch.setattr(batch_module, "statement_document", document)
    client.force_login(desk)
    response = client.post(new_url(), form_data(main), follow=True)
    html = response.content.decode()
    assert "1 family not printed" in html
    assert re.search(
        r"<td>Baker</td><td>The statement could not be printed \(no address\)", html
    )
    assert "Download the statements (PDF)" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"as_of": ""}, "as_of", "This field is required."),
        ({"as_of": "31/31/2026"}, "as_of", "Enter a valid date."),
        ({"as_of": "2999-01-01"}, "as_of", "The statement date cannot be after today."),
        ({"rule": MINIMUM}, "minimum", "Enter the smallest balance to print."),
        ({"rule": MINIMUM, "minimum": "-3"}, "minimum", "Enter an amount above zero."),
        ({"rule": MINIMUM, "minimum": "abc"}, "minimum", "Enter a number."),
        ({"rule": "everyone"}, "rule", "Select a valid choice."),
        ({"rule": SELECTED}, "rule", "Select a valid choice."),
        ({"location": ""}, "location", "This field is required."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_saved(
    client, families, main, desk, overrides, field, message
):
    client.force_login(desk)
    response = client.post(new_url(), form_data(main, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in str(error) for error in form.errors[field])
    assert message.split(" %")[0][:20] in response.content.decode().replace(
        "&#x27;", "'"
    )
    with scopes_disabled():
        assert not StatementBatch.objects.exists()
        assert not Statement.objects.exists()


def test_nobody_owing_says_so_at_the_top_of_the_form(client, org, annex, desk):
    make_owing_family(org, "Clark")
    client.force_login(desk)
    response = client.post(new_url(), form_data(annex))
    assert response.status_code == 200
    assert "No family owes anything at this location." in response.content.decode()
    with scopes_disabled():
        assert not StatementBatch.objects.exists()


def test_another_organizations_location_cannot_be_chosen(
    client, families, main, desk, other_org
):
    bravo_location = locations_of(other_org)[0]
    client.force_login(desk)
    response = client.post(new_url(), form_data(bravo_location))
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["location"])
    with scopes_disabled():
        assert not StatementBatch.objects.exists()


def test_a_double_submit_starts_one_batch(client, families, main, desk):
    client.force_login(desk)
    first = client.post(new_url(), form_data(main, request_key="same"))
    again = client.post(new_url(), form_data(main, request_key="same"))
    assert first["Location"] == again["Location"]
    with scopes_disabled():
        assert StatementBatch.objects.count() == 1


# The families listing's bulk action ----------------


def bulk_url(*ids):
    url = reverse(
        "wagtail_bulk_action", args=["families", "family", "print_statements"]
    )
    return url + "?" + "&".join(f"id={pk}" for pk in ids)


def test_the_families_listing_offers_print_statements(client, families, desk):
    client.force_login(desk)
    html = client.get(reverse("family:index")).content.decode()
    assert "Print statements" in html
    assert bulk_url().rstrip("?") in html
    assert f'data-object-id="{families["Adams"].pk}"' in html


def test_chosen_rows_print_exactly_those_families(client, families, main, desk):
    client.force_login(desk)
    chosen = [families["Clark"].pk, families["Adams"].pk]
    response = client.get(bulk_url(*chosen))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("billing_batch_new"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "2 families chosen on the families listing" in html
    assert "<li>Adams</li>" in html and "<li>Clark</li>" in html
    assert "<li>Baker</li>" not in html
    form = page.context["form"]
    assert form.initial["rule"] == SELECTED
    data = form_data(main, rule=SELECTED, families=form.initial["families"])
    client.post(response["Location"], data)
    with scopes_disabled():
        batch = StatementBatch.objects.get()
    assert batch.family_ids == [families["Adams"].pk, families["Clark"].pk]


def test_chosen_rows_of_another_organization_are_not_found(
    client, families, desk, other_org
):
    stranger = make_family(other_org).family
    client.force_login(desk)
    assert client.get(bulk_url(stranger.pk)).status_code == 404
    assert client.get(new_url(stranger.pk)).status_code == 404
    # Mixed with the user's own: only their own are kept.
    response = client.get(bulk_url(stranger.pk, families["Adams"].pk))
    assert response["Location"].endswith(f"family={families['Adams'].pk}")


def test_a_tampered_selection_with_another_organizations_family_is_refused(
    client, families, main, desk, other_org
):
    stranger = make_family(other_org).family
    client.force_login(desk)
    url = new_url(families["Adams"].pk)
    data = form_data(
        main, rule=SELECTED, families=f"{families['Adams'].pk},{stranger.pk}"
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "do not belong to this location" in response.content.decode()
    with scopes_disabled():
        assert not StatementBatch.objects.exists()


# Who may ----------------


def batch_urls(batch):
    return [
        reverse("billing_batch_detail", args=[batch.pk]),
        reverse("billing_batch_progress", args=[batch.pk]),
        reverse("billing_batch_download", args=[batch.pk]),
    ]


def refused(response):
    """Wagtail answers a refused admin view with a redirect to the dashboard
    (and a "no permission" message)."""
    return response.status_code == 403 or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


def test_a_manager_may_print(client, org, families, main):
    manager = make_staff(org)
    client.force_login(manager)
    assert client.get(reverse("billing_batch_index")).status_code == 200
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("billing_batch_index") in menu
    client.post(new_url(), form_data(main))
    with scopes_disabled():
        assert StatementBatch.objects.get().created_by == manager


def test_marketing_staff_are_refused_everywhere(client, org, families, main):
    batch = create(main, [families["Adams"].pk])
    marketing = make_staff_with_role(org, StaffRole.MARKETING)
    client.force_login(marketing)
    urls = [
        reverse("billing_batch_index"),
        new_url(),
        bulk_url(families["Adams"].pk),
        *batch_urls(batch),
    ]
    for url in urls:
        assert refused(client.get(url)), url
    assert refused(client.post(new_url(), form_data(main)))
    with scopes_disabled():
        assert StatementBatch.objects.count() == 1
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("billing_batch_index") not in menu


def test_another_organizations_staff_find_nothing(client, families, main, other_org):
    batch = create(main, [families["Adams"].pk])
    stranger = make_staff_with_role(other_org, StaffRole.FRONT_DESK)
    client.force_login(stranger)
    for url in batch_urls(batch):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Adams" not in response.content
    index = client.get(reverse("billing_batch_index")).content.decode()
    assert reverse("billing_batch_detail", args=[batch.pk]) not in index
    assert client.get(bulk_url(families["Adams"].pk)).status_code == 404


def test_the_batch_list_is_constant_in_queries(
    client, families, main, desk, django_assert_max_num_queries
):
    client.force_login(desk)
    create(main, [families["Adams"].pk])
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("billing_batch_index"))
    for _ in range(8):
        create(main, [families["Baker"].pk])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("billing_batch_index"))
    assert response.content.decode().count("billing/statement-batches/") >= 9


def test_the_batch_page_is_constant_in_queries(
    client, org, main, desk, families, django_assert_max_num_queries, monkeypatch
):
    def document(statement):
        raise ValueError("x")

    client.force_login(desk)
    monkeypatch.setattr(batch_module, "statement_document", document)
    small = create(main, [families["Adams"].pk])
    large = create(
        main, [f.pk for f in families.values()] + [999_991, 999_992, 999_993]
    )
    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("billing_batch_detail", args=[small.pk]))
    with django_assert_max_num_queries(len(captured.captured_queries)):
        html = client.get(reverse("billing_batch_detail", args=[large.pk]))
    assert "7 families not printed" in html.content.decode()


def test_times_on_the_list_are_in_the_locations_zone(client, families, main, desk):
    from portal.tenancy.models import Location

    with scopes_disabled():
        Location.objects.filter(pk=main.pk).update(time_zone="America/Los_Angeles")
        main.refresh_from_db()
    moment = timezone.make_aware(datetime.datetime(2026, 3, 2, 3, 30), datetime.UTC)
    batch = create(main, [families["Adams"].pk])
    with scopes_disabled():
        StatementBatch.objects.filter(pk=batch.pk).update(created_at=moment)
    client.force_login(desk)
    html = client.get(reverse("billing_batch_index")).content.decode()
    assert "Mar 1, 2026, 7:30" in html


# The worker closes its database connection between tasks (as it must in a
# long-running process): the test commits its rows instead of running in a
# transaction that the close would end.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_prints_a_batch_queued_in_the_database(settings, families, main):
    """With the database backend (the demo and production) the request only
    queues the batch; the worker process prints it, whoever is watching."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    batch = create(main, [families["Adams"].pk, families["Baker"].pk])
    with scopes_disabled():
        batch.refresh_from_db()
    assert (batch.status, batch.done) == (BatchStatus.QUEUED, 0)
    call_command("portico_worker", "--once", "--no-publish", verbosity=0)
    with scopes_disabled():
        batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failures) == (BatchStatus.DONE, 2, [])
    assert len(pdf_pages(batch_pdf(batch))) == 2
