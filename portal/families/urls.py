from django.urls import path

from . import views

app_name = "families"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/policies/", views.policies_review, name="policies_review"),
    path("account/policies/<slug:kind>/", views.policies_list, name="policies_list"),
    path(
        "account/policies/answer/<int:policy_id>/",
        views.policy_answer_view,
        name="policy_answer",
    ),
    path(
        "account/policies/answer/<int:policy_id>/<int:student_id>/",
        views.policy_answer_view,
        name="student_policy_answer",
    ),
    path("account/students/start/", views.student_start, name="student_start"),
    path("account/students/add/", views.student_add, name="student_add"),
    path(
        "account/students/<int:student_id>/edit/",
        views.student_edit,
        name="student_edit",
    ),
    path(
        "account/students/<int:student_id>/policies/",
        views.student_policies,
        name="student_policies",
    ),
]
