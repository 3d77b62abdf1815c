"""Two organizations, Alpha and Bravo, each with one row of every kind the
admin shows: tenant rows, pages, images, documents, tags, revisions, a
workflow in progress, a locked page, log entries, an editing session and an
upload in progress.

Every name of Bravo's contains "Bravo" (or the slug "bravo"), so a response
shown to Alpha's staff that contains the word "bravo" in any case leaked
something of Bravo's.
"""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scopes_disabled
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import (
    GroupApprovalTask,
    UploadedFile,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from portal.catalog.models import (
    Blackout,
    Event,
    Instructor,
    Level,
    PartyPackage,
    PartySlot,
    Program,
)
from portal.catalog.services import class_create, record_create
from portal.tenancy.models import Location, PortalSettings, StaffMembership
from snippets.models import CustomField, ReferralSource
from tests.factories import (
    home_of,
    make_family,
    make_image,
    make_news,
    make_organization,
    make_policy,
    make_staff,
    make_staff_page,
)


def make_document(organization, title):
    document = get_document_model()(title=title, collection=organization.collection)
    name = title.lower().replace(" ", "-")
    document.file.save(f"{name}.txt", ContentFile(f"{title} text".encode()))
    document.save()
    return document


def tenant_rows(organization, name):
    """One row of every tenant-owned model the admin edits, named after the
    organization."""
    with scopes_disabled():
        location = Location.objects.get(organization=organization)
        location.name = f"{name} Arena"
        location.save()
        program = record_create(Program, organization=organization, name=f"{name} Swim")
        level = record_create(
            Level, organization=organization, program=program, name=f"{name} Level"
        )
        instructor = record_create(
            Instructor, organization=organization, first_name=name, last_name="Coach"
        )
        klass = class_create(
            organization=organization,
            name=f"{name} Class",
            program=program,
            location=location,
            season_start=datetime.date(2026, 1, 5),
            season_end=datetime.date(2026, 3, 30),
            schedules=[
                {
                    "weekday": 0,
                    "start_time": datetime.time(17),
                    "end_time": datetime.time(17, 45),
                }
            ],
        )
        event = record_create(
            Event,
            organization=organization,
            name=f"{name} Camp",
            location=location,
            start_date=datetime.date(2026, 7, 6),
            end_date=datetime.date(2026, 7, 10),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price="100.00",
        )
        package = record_create(
            PartyPackage, organization=organization, name=f"{name} Party", price="90"
        )
        slot = record_create(
            PartySlot,
            organization=organization,
            location=location,
            starts_at=timezone.make_aware(datetime.datetime(2026, 5, 2, 14)),
        )
        blackout = record_create(
            Blackout,
            organization=organization,
            name=f"{name} Closure",
            start_date=datetime.date(2026, 2, 16),
            end_date=datetime.date(2026, 2, 16),
        )
        referral = ReferralSource.objects.create(
            organization=organization, name=f"{name} Flyer"
        )
        custom_field = CustomField.objects.create(
            organization=organization, label=f"{name} Shoe Size"
        )
        settings = PortalSettings.objects.get(organization=organization)
    guardian = make_family(
        organization,
        email=f"parent@{name.lower()}.example.com",
        first_name=name,
        last_name=f"{name}family",
        students=(f"{name}kid",),
    )
    with scopes_disabled():
        family = guardian.family
        student = family.students.get()
    return {
        Location: location,
        PortalSettings: settings,
        Program: program,
        Level: level,
        Instructor: instructor,
        type(klass): klass,
        Event: event,
        PartyPackage: package,
        PartySlot: slot,
        Blackout: blackout,
        ReferralSource: referral,
        CustomField: custom_field,
        type(family): family,
        type(student): student,
    }


def build_organization(name, slug):
    organization = make_organization(name=f"{name} Gym", slug=slug)
    staff = make_staff(
        organization,
        email=f"staff@{slug}.example.com",
        first_name=name,
        last_name="Keeper",
    )
    rows = tenant_rows(organization, name)
    with scopes_disabled():
        rows[StaffMembership] = StaffMembership.objects.get(user=staff)
    home = home_of(organization)
    image = make_image(organization, title=f"{name} photo")
    image.tags.add(f"secret{slug}")
    document = make_document(organization, f"{name} handbook")
    document.tags.add(f"secret{slug}")
    news = make_news(organization, title=f"{name} news", image=False)
    news.image = image
    revision = news.save_revision(user=staff)
    revision.publish(user=staff)
    staff_page = make_staff_page(
        organization, title=f"{name} team", members=(f"{name} Member",)
    )
    staff_page.members.update(photo=image)
    policy = make_policy(organization, title=f"{name} waiver")
    policy.locked = True
    policy.locked_by = staff
    policy.locked_at = timezone.now()
    policy.save(update_fields=["locked", "locked_by", "locked_at"])

    task = GroupApprovalTask.objects.create(name=f"{name} approval")
    # Reviewers who are not the submitting staff member (a task whose
    # reviewer submits is approved at once).
    task.groups.set([Group.objects.create(name=f"{name} reviewers")])
    workflow = Workflow.objects.create(name=f"{name} review")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    # On the news section, nearer than any workflow of the organization's home.
    WorkflowPage.objects.create(workflow=workflow, page=news.get_parent())
    news.title = f"{name} news in review"
    news.save_revision(user=staff)
    workflow_state = workflow.start(news, staff)
    task_state = workflow_state.current_task_state

    for row in rows.values():
        log(row, "wagtail.edit", user=staff)
    log(image, "wagtail.edit", user=staff)
    log(document, "wagtail.edit", user=staff)
    session = EditingSession.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(news.page_ptr),
        object_id=str(news.pk),
        last_seen_at=timezone.now(),
        is_editing=True,
    )
    upload = UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(get_image_model()),
        file=ContentFile(io.BytesIO(b"x").read(), name=f"{slug}-upload.jpg"),
        uploaded_by_user=staff,
    )
    redirect = Redirect.objects.create(old_path=f"/{slug}-old", redirect_page=news)
    return SimpleNamespace(
        organization=organization,
        staff=staff,
        rows=rows,
        home=home,
        news_index=news.get_parent(),
        news=news,
        staff_page=staff_page,
        policy=policy,
        image=image,
        document=document,
        revision=revision,
        workflow=workflow,
        task=task,
        workflow_state=workflow_state,
        task_state=task_state,
        editing_session=session,
        upload=upload,
        redirect=redirect,
        collection=organization.collection,
        group=organization.staff_group,
    )


@pytest.fixture
def world(db):
    return SimpleNamespace(
        alpha=build_organization("Alpha", "alpha"),
        bravo=build_organization("Bravo", "bravo"),
    )
