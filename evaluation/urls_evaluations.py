"""Pages of the mid-term and final evaluations (views_evaluations.py), added to evaluation's URLs."""

from django.urls import path

from . import views_evaluations

urlpatterns = [
    path("evaluations/", views_evaluations.evaluation_list, name="evaluation_list"),
    path(
        "evaluations/open/<int:plan_pk>/<str:stage>/",
        views_evaluations.evaluation_open_view,
        name="evaluation_open",
    ),
    path("evaluations/<int:pk>/", views_evaluations.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/rate/", views_evaluations.evaluation_rate_view, name="evaluation_rate"),
    path("evaluations/<int:pk>/propose/", views_evaluations.evaluation_propose_view, name="evaluation_propose"),
    path("evaluations/<int:pk>/decide/", views_evaluations.evaluation_decide_view, name="evaluation_decide"),
    path(
        "evaluations/<int:pk>/rectification/",
        views_evaluations.rectification_require_view,
        name="rectification_require",
    ),
    path("evaluations/<int:pk>/experts/", views_evaluations.experts_invite_view, name="experts_invite"),
    path("opinions/<int:pk>/", views_evaluations.opinion_detail, name="opinion_detail"),
]
