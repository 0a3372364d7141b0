"""The project's URLs plus the baseline: viewflow's stock task queue of the pilot-plan flow, mounted under
/bench-baseline/ (only with bench.settings)."""

from django.urls import path
from viewflow.urls import Application, Site
from viewflow.workflow.flow import FlowAppViewset

from config.urls import urlpatterns as project_urls
from workflows.flows import PilotPlanFlow

baseline = Site(
    title="baseline",
    viewsets=[Application(title="baseline", app_name="baseline", viewsets=[FlowAppViewset(PilotPlanFlow)])],
)

urlpatterns = [path("bench-baseline/", baseline.urls), *project_urls]
