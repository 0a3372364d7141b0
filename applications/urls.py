"""Mounted by config/site.py as the "applications" Application (namespace ``applications``)."""

from django.urls import path
from django.views.generic import RedirectView

from . import case_views, review_views, round_views, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="applications:calculator"), name="index"),
    path("calculator/", views.calculator, name="calculator"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<slug:code>/", views.policy_detail, name="policy_detail"),
    path("rules/<int:pk>/revise/", views.rule_revise, name="rule_revise"),
    path("rounds/", case_views.round_list, name="round_list"),
    path("rounds/new/", round_views.round_form, name="round_new"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", round_views.round_form, name="round_edit"),
    path("rounds/<int:pk>/open/", round_views.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", round_views.round_close, name="round_close"),
    path("rounds/<int:pk>/notice/", case_views.round_notice_publish, name="round_notice_publish"),
    path("rounds/<int:round_pk>/apply/", case_views.application_form, name="application_new"),
    path("rounds/<int:round_pk>/apply/<int:pk>/", case_views.application_form, name="application_edit"),
    path("list/", case_views.application_list, name="application_list"),
    path("list/<int:pk>/", case_views.application_detail, name="application_detail"),
    path("list/<int:pk>/submit/", case_views.application_submit, name="application_submit"),
    path("list/<int:pk>/evidence/", case_views.evidence_upload, name="evidence_upload"),
    path("list/<int:pk>/county-review/", review_views.county_review, name="county_review"),
    path("list/<int:pk>/city-review/", review_views.city_review, name="city_review"),
    path("list/<int:pk>/expert-review/", review_views.expert_review, name="expert_review"),
    path("list/<int:pk>/experts/", review_views.expert_assign, name="expert_assign"),
    path("list/<int:pk>/expert-opinion/", review_views.expert_opinion, name="expert_opinion"),
    path("list/<int:pk>/approve/", review_views.approve, name="approve"),
    path("list/<int:pk>/contributions/", review_views.contribution_record, name="contribution_record"),
    path("list/<int:pk>/payments/<int:year>/", review_views.payment_record, name="payment_record"),
]
