from django.urls import path

from . import views, views_approval

urlpatterns = [
    path("", views.inbox_page, name="index"),
    path("tasks/<int:task_pk>/", views.task, name="task"),
    path("calls/<int:call_pk>/start-plan/", views.plan_start, name="plan_start"),
    path("plans/<int:plan_pk>/send-to-cosign/", views.plan_send_to_cosign, name="plan_send_to_cosign"),
    path("plans/<int:plan_pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:plan_pk>/cosign/", views.plan_cosign, name="plan_cosign"),
    path("plans/<int:plan_pk>/check/", views.plan_check, name="plan_check"),
    # The approval tasks (draft_approval, approve); workflows.views.task leads there.
    path("plans/<int:plan_pk>/approval/draft/", views_approval.approval_draft, name="approval_draft"),
    path("plans/<int:plan_pk>/approval/approve/", views_approval.approval_approve, name="approval_approve"),
]
