"""Seat races on PostgreSQL: many families check out at once for few seats.

Each family's expired hold must find a free seat again at checkout, so every
checkout competes for the same seats. With the row locks, exactly as many
families as there are seats get in, round after round; with the locks
switched off (the test-only LOCKING switch), the same harness sees an
oversold seat, which proves that it can see a race at all.

Threads each use their own database connection (Django's are per thread)
and close it when they end.
"""

import datetime
import os
import threading
import time
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from portal.billing.models import LedgerEntry, Payment
from portal.cart import services
from portal.cart.checkout import Checkout
from portal.cart.errors import CheckoutError
from portal.cart.models import Cart, CartItem
from portal.enrollments.models import Enrollment
from portal.families.models import Family, Guardian, Student
from tests.factories import make_organization
from tests.factories.cart import make_camp, make_class, make_party

from .fakes import FakeGateway, use_fake_gateway

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="seat locking needs PostgreSQL (set DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # 50 connections at once: the race tests run one after another on one
    # test worker (`--dist loadgroup`), within PostgreSQL's 100 connections.
    pytest.mark.xdist_group("many_connections"),
]

FAMILIES = 50
ROUNDS = int(os.environ.get("PORTICO_RACE_ROUNDS", "20"))
CONTROL_ROUNDS = 6


@pytest.fixture
def world(monkeypatch):
    """An organization and FAMILIES families of one student each, written in
    bulk (the registration service would take most of the test's time)."""
    org = make_organization(slug="rush")
    use_fake_gateway(monkeypatch, org)
    with scopes_disabled():
        families = Family.objects.bulk_create(
            Family(organization=org, name=f"Family {n}") for n in range(FAMILIES)
        )
        guardians = Guardian.objects.bulk_create(
            Guardian(
                organization=org,
                family=family,
                first_name="Pat",
                last_name=family.name,
                is_primary=True,
            )
            for family in families
        )
        students = Student.objects.bulk_create(
            Student(
                organization=org,
                family=family,
                first_name="Kid",
                last_name=family.name,
                date_of_birth=datetime.date(2018, 1, 1),
            )
            for family in families
        )
        carts = {
            cart.family_id: cart
            for cart in Cart.objects.bulk_create(
                Cart(organization=org, family=family) for family in families
            )
        }
    kids = {student.family_id: student for student in students}
    for guardian, family in zip(guardians, families, strict=True):
        guardian.family = family
    return org, guardians, carts, kids


def _hold_everyone(world, *, days=(), **offering):
    """Every family gets an expired hold on the offering (so each checkout
    must find a seat again); last round's holds are gone."""
    org, guardians, carts, kids = world
    past = timezone.now() - datetime.timedelta(minutes=1)
    with scopes_disabled():
        CartItem.objects.all().delete()
        CartItem.objects.bulk_create(
            CartItem(
                organization=org,
                cart=carts[g.family_id],
                student=kids[g.family_id],
                days=list(days),
                expires_at=past,
                **offering,
            )
            for g in guardians
        )


def _wait_for_closed_connections(limit=40, seconds=20):
    """PostgreSQL ends a closed connection's server process a moment later;
    on a busy machine the last round's 50 can still count against its 100
    connections when the next round opens 50 more. Wait until they are gone."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity")
            if cursor.fetchone()[0] < limit:
                return
            time.sleep(0.05)


def _check_out_all(world, guardians=None, key=None):
    """Everyone checks out at the same moment; returns the outcomes."""
    org, all_guardians, _carts, _kids = world
    guardians = guardians or all_guardians
    _wait_for_closed_connections()
    start = threading.Barrier(len(guardians))
    outcomes = []

    def run(guardian):
        try:
            with scope(organization=org.pk):
                start.wait()
                try:
                    result = Checkout(
                        family=guardian.family,
                        guardian=guardian,
                        idempotency_key=key or uuid.uuid4().hex,
                        token="tok_ok",
                    ).commit()
                    outcomes.append(("ok", result.payment.pk))
                except CheckoutError as error:
                    outcomes.append((error.code, None))
                except Exception as error:  # noqa: BLE001 - reported below
                    outcomes.append((f"crash: {error!r}", None))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(g,)) for g in guardians]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    crashes = [code for code, _ in outcomes if code.startswith("crash")]
    assert not crashes, crashes[:3]
    return outcomes


def _enrolled(**offering):
    with scopes_disabled():
        return Enrollment.objects.filter(status="active", **offering).count()


def _race(world, make_offering, seats, count, *, rounds):
    """Enrollments per round for `rounds` fresh offerings."""
    found = []
    for _ in range(rounds):
        offering, hold, counted = make_offering()
        _hold_everyone(world, **hold)
        outcomes = _check_out_all(world)
        enrolled = count(**counted)
        assert sum(1 for code, _ in outcomes if code == "ok") == enrolled
        found.append(enrolled)
    return found


def _class_offering(org, seats):
    def make():
        klass = make_class(org, capacity=seats)
        return klass, {"klass": klass}, {"klass": klass}

    return make


def _camp_day_offering(org, seats):
    def make():
        camp = make_camp(org, capacity=seats, days=3)
        day = camp.start_date.isoformat()
        # Everyone wants the first day, the one with the last seats.
        return camp, {"event": camp, "days": [day]}, {"event": camp}

    return make


def _party_offering(org):
    def make():
        package, slot = make_party(org)
        return (
            slot,
            {"party_slot": slot, "party_package": package},
            {"party_slot": slot},
        )

    return make


CASES = {
    "class": (lambda org: _class_offering(org, 10), 10),
    "camp day": (lambda org: _camp_day_offering(org, 10), 10),
    "party slot": (lambda org: _party_offering(org), 1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_no_seat_is_sold_twice(world, case):
    org = world[0]
    make, seats = CASES[case]
    found = _race(world, make(org), seats, _enrolled, rounds=ROUNDS)
    assert found == [seats] * ROUNDS
    # Every charge was made with no transaction open, so no seat lock held.
    assert FakeGateway.in_transaction and not any(FakeGateway.in_transaction)


@pytest.mark.parametrize("case", list(CASES))
def test_without_locks_the_harness_sees_an_oversold_seat(world, case, monkeypatch):
    monkeypatch.setattr(services, "LOCKING", False)
    org = world[0]
    make, seats = CASES[case]
    found = []
    for _ in range(CONTROL_ROUNDS):
        found += _race(world, make(org), seats, _enrolled, rounds=1)
        if max(found) > seats:
            break
    assert max(found) > seats, found


def test_the_same_checkout_posted_five_times_pays_once(world):
    org, guardians, carts, kids = world
    guardian = guardians[0]
    klass = make_class(org, capacity=10, fee="20.00")
    with scopes_disabled():
        CartItem.objects.all().delete()
        CartItem.objects.create(
            organization=org,
            cart=carts[guardian.family_id],
            student=kids[guardian.family_id],
            klass=klass,
            expires_at=timezone.now() + datetime.timedelta(minutes=10),
        )
    key = uuid.uuid4().hex
    outcomes = _check_out_all(world, guardians=[guardian] * 5, key=key)
    assert [code for code, _ in outcomes] == ["ok"] * 5
    assert len({payment for _, payment in outcomes}) == 1
    with scopes_disabled():
        assert Payment.objects.count() == 1
        assert Enrollment.objects.filter(klass=klass).count() == 1
        assert LedgerEntry.objects.filter(kind="charge").count() == 2
        assert LedgerEntry.objects.filter(kind="payment").count() == 1
