"""Mounted by config/site.py as the "applications" Application (namespace ``applications``)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="applications:calculator"), name="index"),
    path("calculator/", views.calculator, name="calculator"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<slug:code>/", views.policy_detail, name="policy_detail"),
    path("rules/<int:pk>/revise/", views.rule_revise, name="rule_revise"),
]
