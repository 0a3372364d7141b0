from django.urls import path

from . import views, views_progress
from .urls_evaluations import urlpatterns as evaluation_urlpatterns
from .urls_reports import urlpatterns as report_urlpatterns

urlpatterns = [
    path("", views.index, name="index"),
    # the coordinator's expert pool
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/<int:pk>/", views.expert_edit, name="expert_edit"),
    # calls and their review (coordinator; read-only for the Department and the auditor)
    path("calls/", views.call_list, name="call_list"),
    path("calls/<int:pk>/", views.call_review, name="call_review"),
    path("calls/<int:pk>/start/", views.review_start, name="review_start"),
    path("calls/<int:pk>/suggest/", views.suggest, name="suggest"),
    path("calls/<int:pk>/ranking/submit/", views.ranking_submit, name="ranking_submit"),
    path("calls/<int:pk>/ranking/", views.ranking_report, name="ranking_report"),
    # one plan's review
    path("plans/<int:pk>/", views.plan_review, name="plan_review"),
    path("plans/<int:pk>/assign/", views.assign, name="assign"),
    path("plans/<int:pk>/consensus/", views.consensus_note, name="consensus_note"),
    path("plans/<int:pk>/assignments/<int:assignment_pk>/reopen/", views.assignment_reopen, name="assignment_reopen"),
    path("plans/<int:pk>/history/", views.plan_history, name="plan_history"),
    # the expert's own assignments
    path("assignments/", views.my_assignments, name="my_assignments"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/declare/", views.assignment_declare, name="assignment_declare"),
    path("assignments/<int:pk>/decline/", views.assignment_decline, name="assignment_decline"),
    # approved pilots: progress against targets, the call's overview and its Excel export
    path("pilots/", views_progress.pilot_calls, name="pilot_calls"),
    path("pilots/<int:pk>/", views_progress.pilot_detail, name="pilot_detail"),
    path("calls/<int:pk>/pilots/", views_progress.call_pilots, name="call_pilots"),
    path("calls/<int:pk>/pilots/export/", views_progress.call_pilots_export, name="call_pilots_export"),
]
# the reports of approved pilots: self-assessments, evaluation and rectification reports
urlpatterns += report_urlpatterns
# the mid-term and final evaluations of approved pilots, their rectification
urlpatterns += evaluation_urlpatterns
