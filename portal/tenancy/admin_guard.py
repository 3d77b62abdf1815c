"""Refuse another organization's objects in Wagtail's admin URLs.

Many of Wagtail's page views load a page, a task or a workflow state by the id
in the URL and show its title (in a confirmation, a message, a chooser)
before, or without, checking the user's permission on it: moving a page,
confirming a workflow's cancellation, previewing a task, browsing the page
chooser. No hook runs early enough, so this middleware answers 404 for staff
whose organizations do not own the object named by the URL, before the view
runs. Superusers are not limited.

It also serves a few of Wagtail's listing views through Portico's mixins
(ISOLATED_VIEWS), so that their filter choices and tag suggestions name only
the user's organizations' users, workflows, tasks, pages and tags.

Added to MIDDLEWARE after the tenant middleware.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.models import Page, Task, TaskState, Workflow, WorkflowState
from wagtail.permissions import policy_registry

from . import admin_views
from .permissions import pages_for_user, tasks_for_user, workflows_for_user

# URL arguments that name a page, in every admin URL.
PAGE_ARGUMENTS = (
    "page_id",
    "parent_page_id",
    "page_to_move_id",
    "destination_id",
    "page_pk",
)
# URL names whose "pk" is a page, a workflow or a task.
PAGE_PK_VIEWS = {"wagtailadmin_pages:revisions_compare"}
WORKFLOW_PK_VIEWS = {
    "wagtailadmin_workflows:edit",
    "wagtailadmin_workflows:enable",
    "wagtailadmin_workflows:disable",
    "wagtailadmin_workflows:usage",
    "wagtailadmin_workflows:usage_results",
}
TASK_PK_VIEWS = {
    "wagtailadmin_workflows:edit_task",
    "wagtailadmin_workflows:enable_task",
    "wagtailadmin_workflows:disable_task",
}
# Views that take page ids in ?id=.
PAGE_ID_QUERY_VIEWS = {"wagtailadmin_choose_page_chosen_multiple"}
# Wagtail's task chooser lists every task of every organization; it is only
# needed to edit workflows.
TASK_CHOOSER_VIEWS = {
    "wagtailadmin_workflows:task_chooser",
    "wagtailadmin_workflows:task_chooser_results",
    "wagtailadmin_workflows:task_chooser_create",
}

ISOLATED_VIEWS = {
    "wagtailimages:index": admin_views.OrganizationFiltersMixin,
    "wagtailimages:index_results": admin_views.OrganizationFiltersMixin,
    "wagtaildocs:index": admin_views.OrganizationFiltersMixin,
    "wagtaildocs:index_results": admin_views.OrganizationFiltersMixin,
    "wagtailimages_chooser:choose": admin_views.OrganizationChooserMixin,
    "wagtailimages_chooser:choose_results": admin_views.OrganizationChooserMixin,
    "wagtaildocs_chooser:choose": admin_views.OrganizationChooserMixin,
    "wagtaildocs_chooser:choose_results": admin_views.OrganizationChooserMixin,
    "wagtailadmin_reports:locked_pages": admin_views.OrganizationFiltersMixin,
    "wagtailadmin_reports:locked_pages_results": admin_views.OrganizationFiltersMixin,
    "wagtailadmin_reports:workflow": admin_views.OrganizationFiltersMixin,
    "wagtailadmin_reports:workflow_results": admin_views.OrganizationFiltersMixin,
    "wagtailadmin_reports:workflow_tasks": admin_views.OrganizationFiltersMixin,
    "wagtailadmin_reports:workflow_tasks_results": (
        admin_views.OrganizationFiltersMixin
    ),
    "wagtailadmin_reports:aging_pages": admin_views.OrganizationFiltersMixin,
    "wagtailadmin_reports:aging_pages_results": admin_views.OrganizationFiltersMixin,
}
REPLACED_VIEWS = {
    "wagtailadmin_tag_autocomplete": admin_views.tag_autocomplete,
    "wagtailadmin_tag_model_autocomplete": admin_views.tag_autocomplete,
}

_views = {}


def _page_ids_visible(user, ids):
    try:
        ids = {int(pk) for pk in ids}
    except ValueError:
        return False
    visible = pages_for_user(Page.objects.filter(pk__in=ids), user)
    return visible.count() == len(ids)


def _workflow_state_visible(user, workflow_state):
    if workflow_state.base_content_type.model_class() is not Page:
        return False
    return _page_ids_visible(user, [workflow_state.object_id])


def check_objects(user, view_name, kwargs, query):
    """Raise Http404 when the URL names an object of another organization."""
    page_ids = [kwargs[name] for name in PAGE_ARGUMENTS if name in kwargs]
    if view_name in PAGE_PK_VIEWS:
        page_ids.append(kwargs["pk"])
    if view_name in PAGE_ID_QUERY_VIEWS:
        page_ids += [pk for pk in query.getlist("id") if pk.isdigit()]
    if view_name == "wagtailadmin_editing_sessions:ping" and (
        kwargs["app_label"],
        kwargs["model_name"],
    ) == ("wagtailcore", "page"):
        page_ids.append(kwargs["object_id"])
    if page_ids and not _page_ids_visible(user, page_ids):
        raise Http404

    if "workflow_state_id" in kwargs:
        state = WorkflowState.objects.filter(pk=kwargs["workflow_state_id"]).first()
        if state is None or not _workflow_state_visible(user, state):
            raise Http404
    if "task_state_id" in kwargs:
        state = (
            TaskState.objects.filter(pk=kwargs["task_state_id"])
            .select_related("workflow_state")
            .first()
        )
        if state is None or not _workflow_state_visible(user, state.workflow_state):
            raise Http404

    task_id = kwargs.get("task_id") or (
        kwargs.get("pk") if view_name in TASK_PK_VIEWS else None
    )
    if task_id is not None:
        if not tasks_for_user(Task.objects.filter(pk=task_id), user).exists():
            raise Http404
    workflow_id = kwargs.get("workflow_pk") or (
        kwargs.get("pk") if view_name in WORKFLOW_PK_VIEWS else None
    )
    if workflow_id is not None:
        if not workflows_for_user(
            Workflow.objects.filter(pk=workflow_id), user
        ).exists():
            raise Http404

    if view_name in TASK_CHOOSER_VIEWS and not policy_registry.get_by_type(
        Task
    ).user_has_any_permission(user, ["add", "change"]):
        raise PermissionDenied


def _isolated_view(view_name, view_func):
    view = _views.get(view_name)
    if view is None:
        if view_name in REPLACED_VIEWS:
            view = REPLACED_VIEWS[view_name]
        else:
            base = view_func.view_class
            view_class = type(
                f"Organization{base.__name__}", (ISOLATED_VIEWS[view_name], base), {}
            )
            view = view_class.as_view(**view_func.view_initkwargs)
        view = never_cache(require_admin_access(view))
        _views[view_name] = view
    return view


class AdminIsolationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        match = request.resolver_match
        if (
            not request.path_info.startswith("/admin/")
            or not user.is_authenticated
            or user.is_superuser
            or match is None
        ):
            return None
        check_objects(user, match.view_name, view_kwargs, request.GET)
        if match.view_name in ISOLATED_VIEWS or match.view_name in REPLACED_VIEWS:
            view = _isolated_view(match.view_name, view_func)
            return view(request, *view_args, **view_kwargs)
        return None
