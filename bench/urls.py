"""The project's URLs plus the baseline: viewflow's stock task queue of the pilot-plan flow, mounted under
/bench-baseline/ (only with bench.settings)."""

from django.urls import path
from viewflow.urls import Application, Site
from viewflow.workflow.flow import FlowAppViewset

from config.urls import urlpatterns as project_urls
from workflows.flows import PilotPlanFlow


class StockQueue(FlowAppViewset):
    """viewflow's own viewset of the flow, readable by any signed-in user (the stock check asks for the
    process model's view permission, which our roles do not carry): the queue lists what the user's
    permissions allow, as stock viewflow does."""

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated


baseline = Site(
    title="baseline",
    viewsets=[
        Application(
            title="baseline",
            app_name="baseline",
            permission=lambda user: user.is_authenticated,
            viewsets=[StockQueue(PilotPlanFlow)],
        )
    ],
)

urlpatterns = [path("bench-baseline/", baseline.urls), *project_urls]
