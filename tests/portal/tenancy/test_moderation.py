"""Submitting a page for moderation reaches reviewers who can approve it: the
managers of the page's own organization, and nobody of another organization."""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import querydict_from_html

from portal.tenancy.models import StaffRole
from portal.tenancy.services import staff_membership_create
from tests.factories import UserFactory, home_of, make_news, make_organization

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def logged_in(user):
    """A client of its own: no message of another user's session shows."""
    client = Client()
    client.force_login(user)
    return client


def staff(organization, role, name):
    user = UserFactory(first_name=name, email=f"{name.lower()}@example.com")
    staff_membership_create(organization=organization, user=user, role=role)
    return user


@pytest.fixture
def world():
    alpha = make_organization(name="Alpha Swim", slug="alpha")
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    return SimpleNamespace(
        alpha=alpha,
        bravo=bravo,
        editor=staff(alpha, StaffRole.MARKETING, "Mara"),
        manager=staff(alpha, StaffRole.MANAGER, "Moe"),
        other_manager=staff(bravo, StaffRole.MANAGER, "Bram"),
        news=make_news(alpha, title="Pool reopens", image=False),
    )


def submit(client, page, title):
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.get(edit_url)
    assert response.status_code == 200
    assert "Submit to Alpha Swim managers&#x27; approval" in text(response)
    data = querydict_from_html(text(response), form_id="page-edit-form")
    data["body-count"] = "0"  # the StreamField's inputs are drawn by JavaScript
    data["title"] = title
    data["action-submit"] = "action-submit"
    return client.post(edit_url, data)


def in_review(page):
    return WorkflowState.objects.get(
        base_content_type__model="page",
        object_id=str(page.pk),
        status=WorkflowState.STATUS_IN_PROGRESS,
    )


def approve_url(page):
    state = in_review(page)
    return reverse(
        "wagtailadmin_pages:workflow_action",
        args=[page.pk, "approve", state.current_task_state.pk],
    )


def test_each_organization_reviews_its_own_pages(world):
    for org in (world.alpha, world.bravo):
        workflow = home_of(org).get_workflow()
        (task,) = workflow.tasks.specific()
        assert [g.name for g in task.groups.all()] == [org.staff_group.name]
        assert org.staff_group.name.endswith(f"managers ({org.slug})")
    assert world.news.get_workflow() == home_of(world.alpha).get_workflow()
    assert "Moderators" not in world.news.get_workflow().name


def test_editor_submits_and_own_manager_approves(client, world):
    client.force_login(world.editor)
    assert submit(client, world.news, "Pool reopens Monday").status_code == 302
    state = in_review(world.news)
    assert state.workflow == home_of(world.alpha).get_workflow()
    url = approve_url(world.news)

    client = logged_in(world.manager)
    dashboard = text(client.get("/admin/"))
    assert "Awaiting your review" in dashboard
    assert "Pool reopens Monday" in dashboard
    response = client.post(url)
    assert response.status_code == 302
    page = Page.objects.get(pk=world.news.pk)
    assert page.title == "Pool reopens Monday" and page.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_another_organizations_manager_cannot_approve(client, world):
    client.force_login(world.editor)
    submit(client, world.news, "Pool reopens Monday")
    url = approve_url(world.news)

    client = logged_in(world.other_manager)
    assert "Pool reopens" not in text(client.get("/admin/"))
    response = client.post(url)
    assert response.status_code in (302, 403, 404)
    assert Page.objects.get(pk=world.news.pk).title == "Pool reopens"
    assert in_review(world.news).status == WorkflowState.STATUS_IN_PROGRESS


def test_an_editor_cannot_approve_their_own_submission(client, world):
    client.force_login(world.editor)
    submit(client, world.news, "Pool reopens Monday")
    response = client.post(approve_url(world.news))
    assert response.status_code in (302, 403)
    assert Page.objects.get(pk=world.news.pk).title == "Pool reopens"
    assert in_review(world.news).status == WorkflowState.STATUS_IN_PROGRESS
