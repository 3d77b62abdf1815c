"""Every admin URL, visited by Alpha's staff with Bravo's object ids.

The URLconf is walked for every pattern under /admin/ and /documents/; MATRIX
says how to build each one:

- ``bravo(page_id="news")``: with the id of Bravo's object (a key of
  ``object_ids``; "alpha:news" for Alpha's own). Alpha's staff must be refused
  (302, 400, 403, 404 or 405), must not see anything of Bravo's, and nothing
  of Bravo's may change.
- ``no_object("why", **literals)``: visited as is (or with literal values);
  any answer but a server error, and nothing of Bravo's may show or change.
- ``harmless("why", ...)``: Bravo's object, for views that only ever act for
  the requesting user; any answer but a server error.
- ``own(...)``: Alpha's own object, often posted with Bravo's ids in the
  data; any answer but a server error, nothing of Bravo's shows or changes.
- ``TENANT_ROWS`` for a whole ``namespace:*`` of a scoped viewset: every URL
  with a ``pk`` gets Bravo's row of the viewset's model.

``post=True`` visits the URL with POST too, with data that points at Bravo's
objects (``post_data``). After every visit Bravo's data must be unchanged.

A pattern without an entry fails ``test_every_admin_url_is_in_the_matrix``
with its name. Adding an admin URL means adding one line here, e.g.
``"staffmembership:*": TENANT_ROWS,`` for a new scoped viewset, or
``"myapp:thing": bravo(pk="news", post=True),`` for anything else.
"""

import fnmatch
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.urls import URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled
from taggit.models import TaggedItem
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    PageLogEntry,
    Revision,
    Site,
    Task,
    TaskState,
    UploadedFile,
    Workflow,
    WorkflowPage,
    WorkflowState,
)

from pages.models import PortalRootPage
from portal.accounts.models import User
from portal.tenancy.models import Organization

pytestmark = pytest.mark.django_db

REFUSED = (302, 400, 403, 404, 405)


@dataclass(frozen=True)
class Lit:
    """A literal URL argument (not an object id)."""

    value: object


@dataclass
class Visit:
    kwargs: dict = field(default_factory=dict)
    query: str = ""
    post: bool = False
    kind: str = "bravo"  # "bravo": must be refused; "no_object" / "own": not
    reason: str = ""
    path: object = None  # a function of the world giving the whole path
    server_error: bool = False  # the URL exists to raise an error


def bravo(query="", post=False, **kwargs):
    return [Visit(kwargs=kwargs, query=query, post=post)]


def harmless(reason, query="", post=False, **kwargs):
    """Bravo's object, but the view only ever acts for or shows the
    requesting user's own: any answer but a server error."""
    return [
        Visit(kwargs=kwargs, query=query, post=post, kind="harmless", reason=reason)
    ]


def own(query="", post=False, **kwargs):
    return [Visit(kwargs=kwargs, query=query, post=post, kind="own")]


def no_object(reason, query="", post=False, server_error=False, **literals):
    assert reason
    kwargs = {
        name: value if isinstance(value, Lit) else Lit(value)
        for name, value in literals.items()
    }
    return [
        Visit(
            kwargs=kwargs,
            query=query,
            post=post,
            kind="no_object",
            reason=reason,
            server_error=server_error,
        )
    ]


def custom(path, kind="bravo", post=False, reason=""):
    return [Visit(path=path, kind=kind, post=post, reason=reason)]


TENANT_ROWS = "tenant rows"  # for "namespace:*" of a scoped viewset


def bravo_billing_run(ids):
    """The id of a tuition billing run of Bravo's (made on first use)."""
    import datetime

    from portal.billing.models import BillingRun

    with scopes_disabled():
        run, _created = BillingRun.objects.get_or_create(
            organization_id=ids["organization"],
            idempotency_key="bravo-run",
            defaults={"month": datetime.date(2026, 3, 1)},
        )
    return run.pk


def bravo_family(ids):
    """The id of one of Bravo's families."""
    from portal.families.models import Family

    with scopes_disabled():
        return Family.objects.filter(organization_id=ids["organization"]).first().pk


def bravo_statement(ids):
    """The id of an issued statement of Bravo's (made on first use)."""
    import datetime

    from portal.billing.models import Statement

    with scopes_disabled():
        statement, _created = Statement.objects.get_or_create(
            organization_id=ids["organization"],
            number=1,
            defaults={
                "family_id": bravo_family(ids),
                "kind": "statement",
                "as_of": datetime.date(2026, 3, 31),
            },
        )
    return statement.pk


def bravo_statement_batch(ids):
    """The id of a printed statement batch of Bravo's (made on first use)."""
    import datetime

    from django.core.files.base import ContentFile

    from portal.billing.models import StatementBatch
    from portal.tenancy.models import Location

    with scopes_disabled():
        batch = StatementBatch.objects.filter(
            organization_id=ids["organization"]
        ).first()
        if batch is None:
            batch = StatementBatch.objects.create(
                organization_id=ids["organization"],
                location=Location.objects.filter(
                    organization_id=ids["organization"]
                ).first(),
                as_of=datetime.date(2026, 3, 31),
                family_ids=[bravo_family(ids)],
                status="done",
                total=1,
                done=1,
            )
            batch.pdf.save("bravo.pdf", ContentFile(b"%PDF-1.7 Bravo"), save=True)
    return batch.pk


PAGE = {
    "content_type_app_name": Lit("pages"),
    "content_type_model_name": Lit("newspage"),
}


def bulk(app_label, model_name, actions, key):
    visits = []
    for action in actions:
        where = {"app_label": Lit(app_label), "model_name": Lit(model_name)}
        where["action"] = Lit(action)
        visits += bravo(query=f"id={{{key}}}", post=True, **where)
    return visits


MATRIX = {
    # Dashboard, sign-in and other pages without an object
    "wagtailadmin_home": no_object("the dashboard"),
    "admin/test404/": no_object("Wagtail's blank not-found page"),
    "admin/^.*/$": custom(
        lambda ids: "/admin/no-such-page/", kind="no_object", reason="catch-all 404"
    ),
    "wagtailadmin_error_test": no_object(
        "raises on purpose to try the error page", server_error=True
    ),
    "wagtailadmin_account": no_object("Alpha's own account", post=True),
    "wagtailadmin_logout": no_object("ends Alpha's session"),
    "wagtailadmin_dismissibles": no_object("Alpha's own dismissed hints", post=True),
    "wagtailadmin_block_preview": no_object("previews a block type, no object"),
    "wagtailadmin_sprite": no_object("icons"),
    "wagtailadmin_login": no_object("the login form"),
    "wagtailadmin_password_reset": no_object("asks for an e-mail"),
    "wagtailadmin_password_reset_done": no_object("a message"),
    "wagtailadmin_password_reset_confirm": no_object(
        "a made-up token is refused", uidb64="Mg", token="made-up-token"
    ),
    "wagtailadmin_password_reset_complete": no_object("a message"),
    "wagtailadmin_javascript_catalog": no_object("translations"),
    "wagtailsnippets:index": no_object("lists snippet types"),
    "wagtailembeds:chooser": no_object("an empty embed form"),
    "wagtailembeds:chooser_upload": no_object("GET only: a POST fetches the web"),
    # Admin API
    "wagtailadmin_api:pages:listing": no_object("Alpha's pages only")
    + bravo(query="child_of={news_index}")
    + bravo(query="descendant_of={home}"),
    "wagtailadmin_api:pages:detail": bravo(pk="news"),
    "wagtailadmin_api:pages:find": bravo(query="id={news}"),
    "wagtailadmin_api:pages:action": [
        visit
        for action in (
            "publish",
            "unpublish",
            "delete",
            "move",
            "copy",
            "convert_alias",
        )
        for visit in bravo(pk="news", action_name=Lit(action), post=True)
    ],
    "wagtailadmin_api:images:listing": no_object("Alpha's images only"),
    "wagtailadmin_api:images:detail": bravo(pk="image"),
    "wagtailadmin_api:images:find": bravo(query="id={image}"),
    "wagtailadmin_api:documents:listing": no_object("Alpha's documents only"),
    "wagtailadmin_api:documents:detail": bravo(pk="document"),
    "wagtailadmin_api:documents:find": bravo(query="id={document}"),
    # Page explorer, editor and page actions
    "wagtailadmin_explore_root": no_object("Alpha's tree only"),
    "wagtailadmin_explore": bravo(parent_page_id="home")
    + bravo(parent_page_id="news_index"),
    "wagtailadmin_explore_results": bravo(parent_page_id="news_index"),
    "wagtail_bulk_action": bulk(
        "wagtailcore", "page", ("delete", "move", "publish", "unpublish"), "news"
    )
    + harmless(
        "lists the children of the portal root: Alpha's home only",
        query="id=all&childOf={portal_root}",
        app_label=Lit("wagtailcore"),
        model_name=Lit("page"),
        action=Lit("unpublish"),
    )
    + bulk(
        "wagtailimages", "image", ("delete", "add_tags", "add_to_collection"), "image"
    )
    + bulk(
        "wagtaildocs",
        "document",
        ("delete", "add_tags", "add_to_collection"),
        "document",
    )
    + bulk("accounts", "user", ("delete", "assign_role", "set_active_state"), "staff")
    + custom(
        lambda ids: (
            reverse(
                "wagtail_bulk_action", args=["families", "family", "print_statements"]
            )
            + f"?id={bravo_family(ids)}"
        ),
        post=True,
    ),
    "wagtailadmin_pages:add": bravo(parent_page_id="news_index", post=True, **PAGE),
    "wagtailadmin_pages:preview_on_add": bravo(
        parent_page_id="news_index", post=True, **PAGE
    ),
    "wagtailadmin_pages:type_use": no_object("Alpha's news pages only", **PAGE),
    "wagtailadmin_pages:type_use_results": no_object("as type_use", **PAGE),
    "wagtailadmin_pages:choose_parent": no_object(
        "offers Alpha's news index only",
        app_label="pages",
        model_name="newspage",
        post=True,
    ),
    "wagtailadmin_pages:usage": bravo(page_id="news"),
    "wagtailadmin_pages:edit": bravo(page_id="news", post=True)
    + own(page_id="alpha:news", post=True),
    "wagtailadmin_pages:preview_on_edit": bravo(page_id="news", post=True),
    "wagtailadmin_pages:view_draft": bravo(page_id="news"),
    "wagtailadmin_pages:add_subpage": bravo(parent_page_id="news_index"),
    "wagtailadmin_pages:delete": bravo(page_id="news", post=True),
    "wagtailadmin_pages:unpublish": bravo(page_id="news", post=True),
    "wagtailadmin_pages:convert_alias": bravo(page_id="news", post=True),
    "wagtailadmin_pages:search": no_object("Alpha's pages only", query="q=news"),
    "wagtailadmin_pages:search_results": no_object("as search", query="q=news"),
    "wagtailadmin_pages:move": bravo(page_to_move_id="news", post=True)
    + own(page_to_move_id="alpha:news", post=True),
    "wagtailadmin_pages:move_confirm": bravo(
        page_to_move_id="news", destination_id="home", post=True
    )
    + bravo(page_to_move_id="alpha:news", destination_id="news_index", post=True)
    + bravo(page_to_move_id="news", destination_id="alpha:news_index", post=True),
    "wagtailadmin_pages:set_page_position": bravo(
        page_to_move_id="news", query="position=0", post=True
    ),
    "wagtailadmin_pages:copy": bravo(page_id="news", post=True)
    + own(page_id="alpha:news", post=True),
    "wagtailadmin_pages:workflow_action": bravo(
        page_id="news",
        action_name=Lit("approve"),
        task_state_id="task_state",
        post=True,
    )
    + bravo(
        page_id="alpha:news",
        action_name=Lit("approve"),
        task_state_id="task_state",
        post=True,
    ),
    "wagtailadmin_pages:collect_workflow_action_data": bravo(
        page_id="news", action_name=Lit("reject"), task_state_id="task_state", post=True
    ),
    "wagtailadmin_pages:confirm_workflow_cancellation": bravo(page_id="news"),
    "wagtailadmin_pages:workflow_preview": bravo(page_id="news", task_id="task")
    + bravo(page_id="alpha:news", task_id="task"),
    "wagtailadmin_pages:set_privacy": bravo(page_id="news", post=True),
    "wagtailadmin_pages:lock": bravo(page_id="news", post=True),
    "wagtailadmin_pages:unlock": bravo(page_id="policy", post=True),
    "wagtailadmin_pages:revisions_index": bravo(page_id="news"),
    "wagtailadmin_pages:revisions_view": bravo(page_id="news", revision_id="revision"),
    "wagtailadmin_pages:revisions_revert": bravo(
        page_id="news", revision_id="revision", post=True
    )
    + bravo(page_id="alpha:news", revision_id="revision"),
    "wagtailadmin_pages:revisions_unschedule": bravo(
        page_id="news", revision_id="revision", post=True
    ),
    "wagtailadmin_pages:revisions_compare": bravo(
        pk="news", revision_id_a=Lit("earliest"), revision_id_b=Lit("latest")
    ),
    "wagtailadmin_pages:workflow_history": bravo(page_id="news"),
    "wagtailadmin_pages:workflow_history_detail": bravo(
        page_id="news", workflow_state_id="workflow_state"
    )
    + bravo(page_id="alpha:news", workflow_state_id="workflow_state"),
    "wagtailadmin_pages:history": bravo(page_id="news"),
    "wagtailadmin_pages:history_results": bravo(page_id="news"),
    # Page chooser and link choosers
    "wagtailadmin_choose_page": no_object("Alpha's tree only"),
    "wagtailadmin_choose_page_child": bravo(parent_page_id="news_index"),
    "wagtailadmin_choose_page_search": no_object("Alpha's pages", query="q=news"),
    "wagtailadmin_choose_page_chosen_multiple": bravo(query="id={news}"),
    "wagtailadmin_choose_page_external_link": no_object("a link form", post=True),
    "wagtailadmin_choose_page_email_link": no_object("a link form", post=True),
    "wagtailadmin_choose_page_phone_link": no_object("a link form", post=True),
    "wagtailadmin_choose_page_anchor_link": no_object("a link form", post=True),
    # Tags are global in taggit: suggestions must be Alpha's own
    "wagtailadmin_tag_autocomplete": no_object("Alpha's tags", query="term=secret"),
    "wagtailadmin_tag_model_autocomplete": no_object(
        "Alpha's tags", query="term=secret", app_name="taggit", model_name="tag"
    ),
    # Collections
    "wagtailadmin_collections:index": no_object("Alpha's collection only"),
    "wagtailadmin_collections:add": no_object("a new collection", post=True),
    "wagtailadmin_collections:edit": bravo(pk="collection", post=True),
    "wagtailadmin_collections:delete": bravo(pk="collection", post=True),
    "wagtailadmin_collections:set_privacy": bravo(
        collection_id="collection", post=True
    ),
    # Workflows and tasks
    "wagtailadmin_workflows:index": no_object("workflows Alpha may see"),
    "wagtailadmin_workflows:index_results": no_object("as index"),
    "wagtailadmin_workflows:add": no_object("a new workflow", post=True),
    "wagtailadmin_workflows:enable": bravo(pk="workflow", post=True),
    "wagtailadmin_workflows:disable": bravo(pk="workflow", post=True),
    "wagtailadmin_workflows:edit": bravo(pk="workflow", post=True),
    "wagtailadmin_workflows:usage": bravo(pk="workflow"),
    "wagtailadmin_workflows:usage_results": bravo(pk="workflow"),
    "wagtailadmin_workflows:remove": bravo(page_pk="home", post=True)
    + bravo(page_pk="home", workflow_pk="workflow", post=True),
    "wagtailadmin_workflows:add_task": no_object(
        "a new task", app_label="wagtailcore", model_name="groupapprovaltask", post=True
    ),
    "wagtailadmin_workflows:select_task_type": no_object("lists task types"),
    "wagtailadmin_workflows:task_index": no_object("tasks Alpha may see"),
    "wagtailadmin_workflows:task_index_results": no_object("as task_index"),
    "wagtailadmin_workflows:edit_task": bravo(pk="task", post=True),
    "wagtailadmin_workflows:disable_task": bravo(pk="task", post=True),
    "wagtailadmin_workflows:enable_task": bravo(pk="task", post=True),
    "wagtailadmin_workflows:task_chooser": no_object("tasks Alpha may choose"),
    "wagtailadmin_workflows:task_chooser_results": no_object("as task_chooser"),
    "wagtailadmin_workflows:task_chooser_create": no_object("a new task", post=True),
    "wagtailadmin_workflows:task_chosen": bravo(task_id="task"),
    # Reports (filters included)
    "wagtailadmin_reports:locked_pages": no_object("Alpha's locked pages"),
    "wagtailadmin_reports:locked_pages_results": no_object("as locked_pages"),
    "wagtailadmin_reports:workflow": no_object("Alpha's workflows in progress"),
    "wagtailadmin_reports:workflow_results": no_object("as workflow"),
    "wagtailadmin_reports:workflow_tasks": no_object("Alpha's tasks in progress"),
    "wagtailadmin_reports:workflow_tasks_results": no_object("as workflow_tasks"),
    "wagtailadmin_reports:site_history": no_object("superusers only"),
    "wagtailadmin_reports:site_history_results": no_object("superusers only"),
    "wagtailadmin_reports:aging_pages": no_object("Alpha's pages"),
    "wagtailadmin_reports:aging_pages_results": no_object("as aging_pages"),
    "wagtailadmin_reports:page_types_usage": no_object("superusers only"),
    "wagtailadmin_reports:page_types_usage_results": no_object("superusers only"),
    # Editing sessions (who else is editing a page)
    "wagtailadmin_editing_sessions:ping": bravo(
        app_label=Lit("wagtailcore"),
        model_name=Lit("page"),
        object_id="news",
        session_id="editing_session",
        post=True,
    ),
    "wagtailadmin_editing_sessions:release": harmless(
        "ends only the requesting user's own sessions",
        session_id="editing_session",
        post=True,
    ),
    # Form pages (Portico has none; a page id that is not a form page)
    "wagtailforms:index": no_object("Alpha's form pages"),
    "wagtailforms:index_results": no_object("as index"),
    "wagtailforms:list_submissions": bravo(page_id="news"),
    "wagtailforms:list_submissions_results": bravo(page_id="news"),
    "wagtailforms:delete_submissions": bravo(page_id="news", post=True),
    # Redirects, sites, settings, users and groups: superusers only
    "wagtailredirects:index": no_object("superusers only"),
    "wagtailredirects:index_results": no_object("superusers only"),
    "wagtailredirects:add": no_object("superusers only", post=True),
    "wagtailredirects:edit": bravo(redirect_id="redirect", post=True),
    "wagtailredirects:delete": bravo(redirect_id="redirect", post=True),
    "wagtailredirects:start_import": no_object("superusers only", post=True),
    "wagtailredirects:process_import": no_object("superusers only", post=True),
    "wagtailsettings:edit": no_object(
        "no settings model exists", app_name="pages", model_name="none"
    )
    + no_object("no settings model exists", app_name="pages", model_name="none", pk=1),
    "wagtailsettings:preview_on_edit": no_object(
        "no settings model exists", app_name="pages", model_name="none", pk=1
    ),
    "wagtailsites:*": "site",
    "wagtailusers_users:*": "staff",
    "wagtailusers_groups:*": "group",
    # Documents
    "wagtaildocs:index": no_object("Alpha's documents"),
    "wagtaildocs:index_results": no_object("as index"),
    "wagtaildocs:add": no_object("into Alpha's collection", post=True),
    "wagtaildocs:add_multiple": no_object("into Alpha's collection", post=True),
    "wagtaildocs:edit": bravo(document_id="document", post=True)
    + own(document_id="alpha:document", post=True),
    "wagtaildocs:delete": bravo(document_id="document", post=True),
    "wagtaildocs:document_usage": bravo(document_id="document"),
    "wagtaildocs:edit_multiple": bravo(doc_id="document", post=True),
    "wagtaildocs:delete_multiple": bravo(doc_id="document", post=True),
    "wagtaildocs:create_multiple_from_uploaded_document": bravo(
        uploaded_file_id="upload", post=True
    ),
    "wagtaildocs:delete_upload_multiple": bravo(uploaded_file_id="upload", post=True),
    "wagtaildocs_chooser:choose": no_object("Alpha's documents"),
    "wagtaildocs_chooser:choose_results": no_object("Alpha's documents"),
    "wagtaildocs_chooser:chosen": bravo(pk="document"),
    "wagtaildocs_chooser:chosen_multiple": harmless(
        "answers with the documents Alpha may choose: none", query="id={document}"
    ),
    "wagtaildocs_chooser:create": no_object("into Alpha's collection", post=True),
    "wagtaildocs_serve": custom(
        lambda ids: f"/documents/{ids['document']}/{ids['document_filename']}"
    ),
    "wagtaildocs_authenticate_with_password": no_object(
        "no such restriction", restriction_id=999
    ),
    # Images
    "wagtailimages:index": no_object("Alpha's images"),
    "wagtailimages:index_results": no_object("as index"),
    "wagtailimages:add": no_object("into Alpha's collection", post=True),
    "wagtailimages:add_multiple": no_object("into Alpha's collection", post=True),
    "wagtailimages:edit": bravo(image_id="image", post=True)
    + own(image_id="alpha:image", post=True),
    "wagtailimages:delete": bravo(image_id="image", post=True),
    "wagtailimages:url_generator": bravo(image_id="image"),
    "wagtailimages:url_generator_output": bravo(image_id="image"),
    "wagtailimages:preview": bravo(image_id="image", filter_spec=Lit("original")),
    "wagtailimages:image_usage": bravo(image_id="image"),
    "wagtailimages:edit_multiple": bravo(image_id="image", post=True),
    "wagtailimages:delete_multiple": bravo(image_id="image", post=True),
    "wagtailimages:create_multiple_from_uploaded_image": bravo(
        uploaded_file_id="upload", post=True
    ),
    "wagtailimages:delete_upload_multiple": bravo(uploaded_file_id="upload", post=True),
    "wagtailimages_chooser:choose": no_object("Alpha's images"),
    "wagtailimages_chooser:choose_results": no_object("Alpha's images"),
    "wagtailimages_chooser:chosen": bravo(pk="image"),
    "wagtailimages_chooser:chosen_multiple": harmless(
        "answers with the images Alpha may choose: none", query="id={image}"
    ),
    "wagtailimages_chooser:create": no_object("into Alpha's collection", post=True),
    "wagtailimages_chooser:select_format": bravo(image_id="image", post=True),
    # Payment gateway of each organization (portal/billing/gateway_admin.py)
    "billing_gateway_index": no_object("Alpha's own gateway only"),
    "billing_gateway_edit": bravo(organization_id="organization", post=True)
    + own(organization_id="alpha:organization", post=True),
    # Tuition billing and billing reports (portal/billing/tuition_admin.py,
    # report_admin.py): a Bravo organization id in the query is refused
    "billing_tuition": no_object("Alpha's runs only"),
    "billing_tuition_new": no_object("Alpha's organization only", post=True),
    "billing_tuition_run": custom(
        lambda ids: reverse("billing_tuition_run", args=[bravo_billing_run(ids)])
    ),
    "billing_tuition_charge": custom(
        lambda ids: reverse("billing_tuition_charge", args=[bravo_billing_run(ids)]),
        post=True,
    ),
    "billing_report_aging": no_object(
        "Alpha's families only", query="organization={organization}"
    ),
    "billing_report_payments": no_object(
        "Alpha's payments only", query="organization={organization}&format=csv"
    ),
    # Statement batches (portal/billing/batch_admin.py)
    "billing_batch_index": no_object("Alpha's batches only"),
    "billing_batch_new": no_object("Alpha's locations only", post=True)
    + custom(
        lambda ids: reverse("billing_batch_new") + f"?family={bravo_family(ids)}",
        post=True,
    ),
    "billing_batch_detail": custom(
        lambda ids: reverse("billing_batch_detail", args=[bravo_statement_batch(ids)])
    ),
    "billing_batch_progress": custom(
        lambda ids: reverse("billing_batch_progress", args=[bravo_statement_batch(ids)])
    ),
    "billing_batch_download": custom(
        lambda ids: reverse("billing_batch_download", args=[bravo_statement_batch(ids)])
    ),
    # The family record and its money actions (portal/billing/family_admin.py)
    "billing_family_record": custom(
        lambda ids: reverse("billing_family_record", args=[bravo_family(ids)])
    ),
    "billing_family_statement": custom(
        lambda ids: reverse(
            "billing_family_statement",
            args=[bravo_family(ids), bravo_statement(ids)],
        )
    ),
    **{
        f"billing_family_{action}": custom(
            lambda ids, action=action: reverse(
                f"billing_family_{action}", args=[bravo_family(ids)]
            ),
            post=True,
        )
        for action in ("charge", "payment", "refund", "credit", "adjustment", "reverse")
    },
    # Tenant-owned rows: every viewset URL with a pk gets Bravo's row
    "location:*": TENANT_ROWS,
    "portalsettings:*": TENANT_ROWS,
    "organization:*": TENANT_ROWS,
    "family:*": TENANT_ROWS,
    "student:*": TENANT_ROWS,
    "program:*": TENANT_ROWS,
    "level:*": TENANT_ROWS,
    "instructor:*": TENANT_ROWS,
    "class:*": TENANT_ROWS,
    "event:*": TENANT_ROWS,
    "partypackage:*": TENANT_ROWS,
    "partyslot:*": TENANT_ROWS,
    "blackout:*": TENANT_ROWS,
    "referralsource:*": TENANT_ROWS,
    "customfield:*": TENANT_ROWS,
    "staff:*": TENANT_ROWS,
}


# The URLconf ------------------------------------------------------------------


@dataclass
class Pattern:
    key: str  # the URL name, or the route of an unnamed pattern
    route: str
    kwargs: frozenset
    callback: object


def admin_patterns():
    found = []

    def walk(patterns, prefix, namespace, kwargs):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            names = kwargs | _kwarg_names(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}{pattern.namespace}:"
                walk(pattern.url_patterns, route, inner, names)
            elif route.startswith(("admin/", "documents/")):
                key = f"{namespace}{pattern.name}" if pattern.name else route
                found.append(Pattern(key, route, names, pattern.callback))

    walk(get_resolver().url_patterns, "", "", frozenset())
    return found


def _kwarg_names(pattern):
    converters = getattr(pattern, "converters", None)
    if converters:
        return frozenset(converters)
    regex = getattr(pattern, "regex", None)
    return frozenset(regex.groupindex) if regex is not None else frozenset()


def entry_for(key):
    if key in MATRIX:
        return MATRIX[key]
    for name, entry in MATRIX.items():
        if name.endswith(":*") and fnmatch.fnmatch(key, name):
            return entry
    return None


def test_every_admin_url_is_in_the_matrix():
    missing = []
    for pattern in admin_patterns():
        entry = entry_for(pattern.key)
        if entry is None:
            missing.append(f"{pattern.key} ({pattern.route})")
        elif isinstance(entry, list) and not any(
            visit.path is not None or frozenset(visit.kwargs) == pattern.kwargs
            for visit in entry
        ):
            missing.append(f"{pattern.key} with {sorted(pattern.kwargs)}")
    assert missing == [], "add these admin URLs to MATRIX: " + ", ".join(missing)


def test_matrix_names_only_existing_urls():
    keys = {pattern.key for pattern in admin_patterns()}
    stale = [
        name
        for name in MATRIX
        if name not in keys and not (name.endswith(":*") and fnmatch.filter(keys, name))
    ]
    assert stale == []


# Bravo's data, before and after every visit ------------------------------------


def object_ids(world):
    ids = {}
    for prefix, side in (("", world.bravo), ("alpha:", world.alpha)):
        for name in (
            "home",
            "news_index",
            "news",
            "staff_page",
            "policy",
            "image",
            "document",
            "revision",
            "workflow",
            "task",
            "workflow_state",
            "task_state",
            "editing_session",
            "upload",
            "redirect",
            "collection",
            "group",
            "staff",
            "organization",
        ):
            ids[prefix + name] = getattr(side, name).pk
    ids["document_filename"] = world.bravo.document.filename
    ids["portal_root"] = PortalRootPage.objects.get().pk
    ids["site"] = Site.objects.get(is_default_site=True).pk
    return ids


def bravo_state(world):
    """Everything of Bravo's (and of nobody's) that a visit by Alpha's staff
    could change; Alpha's own data may change."""
    bravo = world.bravo
    home = Page.objects.get(pk=bravo.home.pk)
    pages = Page.objects.descendant_of(home, inclusive=True)
    page_ids = list(pages.values_list("pk", flat=True))
    collections = Collection.objects.get(pk=bravo.collection.pk).get_descendants(
        inclusive=True
    )
    images = get_image_model().objects.filter(collection__in=collections)
    documents = get_document_model().objects.filter(collection__in=collections)
    tagged = TaggedItem.objects.filter(
        content_type__model="image", object_id__in=images.values("pk")
    ) | TaggedItem.objects.filter(
        content_type__model="document", object_id__in=documents.values("pk")
    )
    workflow_states = WorkflowState.objects.filter(
        base_content_type__model="page", object_id__in=map(str, page_ids)
    )
    state = {
        "pages": list(
            pages.order_by("path").values(
                "pk",
                "title",
                "draft_title",
                "slug",
                "path",
                "live",
                "has_unpublished_changes",
                "locked",
                "locked_by",
                "latest_revision",
                "alias_of",
            )
        ),
        "top of the page tree": list(
            Page.objects.filter(depth__lte=3).order_by("path").values("pk", "path")
        ),
        "revisions": Revision.objects.filter(object_id__in=map(str, page_ids)).count(),
        "page log": PageLogEntry.objects.filter(page_id__in=page_ids).count(),
        "images": list(images.order_by("pk").values()),
        "documents": list(documents.order_by("pk").values()),
        "tags": list(tagged.order_by("pk").values()),
        "collections": list(collections.order_by("path").values()),
        "groups": [
            (g.name, sorted(g.permissions.values_list("codename", flat=True)))
            for g in Group.objects.order_by("pk")
        ],
        "page permissions": list(GroupPagePermission.objects.order_by("pk").values()),
        "collection permissions": list(
            GroupCollectionPermission.objects.order_by("pk").values()
        ),
        "users": list(
            User.objects.exclude(pk=world.alpha.staff.pk)
            .order_by("pk")
            .values("pk", "email", "is_active", "is_staff", "is_superuser", "password")
        ),
        "user groups": list(User.groups.through.objects.order_by("pk").values()),
        "workflows": list(Workflow.objects.filter(pk=bravo.workflow.pk).values()),
        "workflow pages": list(
            WorkflowPage.objects.filter(page__in=page_ids).order_by("page").values()
        ),
        "tasks": list(Task.objects.filter(pk=bravo.task.pk).values()),
        "workflow states": list(workflow_states.order_by("pk").values()),
        "task states": list(
            TaskState.objects.filter(workflow_state__in=workflow_states)
            .order_by("pk")
            .values()
        ),
        "editing sessions": list(
            EditingSession.objects.filter(user=bravo.staff).values("pk", "object_id")
        ),
        "uploads": list(UploadedFile.objects.filter(pk=bravo.upload.pk).values()),
        "redirects": list(Redirect.objects.order_by("pk").values()),
        "sites": list(Site.objects.order_by("pk").values()),
        "organization": list(
            Organization.objects.filter(pk=bravo.organization.pk).values()
        ),
    }
    with scopes_disabled():
        for model in bravo.rows:
            state[model.__name__] = list(
                model._default_manager.filter(organization=bravo.organization)
                .order_by("pk")
                .values()
            )
    return state


def post_data(ids):
    """Form data a hostile member of Alpha's staff would send: names that
    forms use, pointing at Bravo's objects."""
    return {
        "title": "Hijacked",
        "name": "Hijacked",
        "slug": "hijacked",
        "summary": "Hijacked",
        "tags": "hijacked",
        "action-publish": "action-publish",
        "collection": ids["collection"],
        "parent": ids["collection"],
        "new_parent_page": ids["news_index"],
        "image": ids["image"],
        "page": ids["news"],
        "workflow": ids["workflow"],
        "groups": ids["group"],
        "restriction_type": "none",
        "mark_as_active": "",
        "role": ids["group"],
        "copy_subpages": "on",
        "publish_copies": "on",
        "comment": "Hijacked",
        "old_path": "/hijacked",
        "redirect_link": "https://example.com/",
        "include_descendants": "on",
        "position": "0",
        "url": "https://example.com/",
        # Wagtail's link chooser fails with a 500 when its URL field is missing.
        "external-link-chooser-url": "https://example.com/",
        "body-count": "0",
    }


# Visiting ----------------------------------------------------------------------


def resolve(value, ids):
    if isinstance(value, Lit):
        return value.value
    return ids[value]


def build(pattern, visit, ids, entry_kwargs=None):
    if visit.path is not None:
        path = visit.path(ids)
    elif pattern.key.startswith("admin/"):
        path = "/" + pattern.route
    else:
        kwargs = {name: resolve(value, ids) for name, value in visit.kwargs.items()}
        path = reverse(pattern.key, kwargs=kwargs)
    if visit.query:
        path += "?" + visit.query.format(**ids)
    return path


def visits_for(pattern, entry, ids):
    """(url, visit) pairs for one pattern."""
    if isinstance(entry, str):
        # A viewset namespace: Bravo's row of its model (TENANT_ROWS), or a
        # named object of Bravo's, for every URL with a pk.
        if "pk" not in pattern.kwargs:
            visit = Visit(kind="no_object", reason="viewset page", post=True)
            return [(reverse(pattern.key), visit)]
        if entry == TENANT_ROWS:
            model = pattern.callback.view_initkwargs["model"]
            with scopes_disabled():
                if model is Organization:
                    pk = ids["organization"]
                else:
                    pk = (
                        model._default_manager.filter(
                            organization_id=ids["organization"]
                        )
                        .values_list("pk", flat=True)
                        .first()
                    )
            assert pk is not None, f"{pattern.key}: Bravo has no {model.__name__} row"
        else:
            pk = ids[entry]
        return [(reverse(pattern.key, kwargs={"pk": pk}), Visit(post=True))]
    return [
        (build(pattern, visit, ids), visit)
        for visit in entry
        if visit.path is not None or frozenset(visit.kwargs) == pattern.kwargs
    ]


def leaked(response):
    if response.get("Location") and "bravo" in response["Location"].lower():
        return "a redirect to Bravo's object"
    content = (
        b"".join(response.streaming_content)
        if response.streaming
        else (response.content)
    )
    if b"bravo" in content.lower():
        index = content.lower().index(b"bravo")
        return content[max(0, index - 120) : index + 60].decode(errors="replace")
    return None


def test_alpha_staff_never_reach_bravo_data(client, world):
    client.raise_request_exception = False
    ids = object_ids(world)
    before = bravo_state(world)
    failures = []
    for pattern in admin_patterns():
        entry = entry_for(pattern.key)
        for url, visit in visits_for(pattern, entry, ids):
            methods = ["get", "post"] if visit.post else ["get"]
            for method in methods:
                client.force_login(world.alpha.staff)
                send = getattr(client, method)
                if method == "post":
                    response = send(url, post_data(ids))
                else:
                    response = send(url)
                where = f"{method.upper()} {url} ({pattern.key})"
                status = response.status_code
                if status >= 500 and not visit.server_error:
                    failures.append(f"{where}: server error {status}")
                if visit.kind == "bravo" and status not in REFUSED:
                    failures.append(f"{where}: answered {status}, not refused")
                if leak := leaked(response):
                    failures.append(f"{where}: shows Bravo's data: {leak!r}")
                if status == 302 and not response["Location"].startswith("http"):
                    followed = client.get(response["Location"])
                    if leak := leaked(followed):
                        failures.append(f"{where}: then shows Bravo's data: {leak!r}")
                after = bravo_state(world)
                if after != before:
                    changed = [key for key in before if before[key] != after[key]]
                    failures.append(f"{where}: changed Bravo's {', '.join(changed)}")
                    before = after
    assert failures == [], "\n".join(failures)
