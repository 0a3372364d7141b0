from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox_page, name="index"),
    path("tasks/<int:task_pk>/", views.task, name="task"),
    path("calls/<int:call_pk>/start-plan/", views.plan_start, name="plan_start"),
    path("plans/<int:plan_pk>/send-to-cosign/", views.plan_send_to_cosign, name="plan_send_to_cosign"),
    path("plans/<int:plan_pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:plan_pk>/cosign/", views.plan_cosign, name="plan_cosign"),
    path("plans/<int:plan_pk>/check/", views.plan_check, name="plan_check"),
]
