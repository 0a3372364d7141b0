"""Pages of the reports of approved pilots (views_reports.py), added to evaluation's URLs."""

from django.urls import path

from . import views_reports

urlpatterns = [
    path("reports/", views_reports.report_list, name="report_list"),
    path("reports/queue/", views_reports.report_queue, name="report_queue"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views_reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/evidence/", views_reports.report_evidence_add, name="report_evidence_add"),
    path(
        "reports/<int:pk>/evidence/<int:document_pk>/remove/",
        views_reports.report_evidence_remove,
        name="report_evidence_remove",
    ),
    path("reports/<int:pk>/submit/", views_reports.report_submit_view, name="report_submit"),
    path("reports/<int:pk>/accept/", views_reports.report_accept_view, name="report_accept"),
    path("reports/<int:pk>/return/", views_reports.report_return_view, name="report_return"),
]
