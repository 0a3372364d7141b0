from django.urls import path

from .views import calls, money, plans, selection

urlpatterns = [
    path("", plans.plan_index, name="index"),
    path("calls/", calls.call_list, name="call_list"),
    path("calls/new/", calls.call_create, name="call_create"),
    path("calls/<int:pk>/", calls.call_detail, name="call_detail"),
    path("calls/<int:pk>/open/", calls.call_open, name="call_open"),
    path("plans/<int:pk>/", plans.plan_view, name="plan_detail"),
    path("plans/<int:pk>/sections/", plans.sections_edit, name="sections_edit"),
    path("plans/<int:pk>/chains/", plans.chains, name="chains"),
    path("plans/<int:pk>/chains/new/", plans.chain_edit, name="chain_add"),
    path("plans/<int:pk>/chains/<int:chain_pk>/", plans.chain_edit, name="chain_edit"),
    path("plans/<int:pk>/chains/<int:chain_pk>/delete/", plans.chain_delete, name="chain_delete"),
    path("plans/<int:pk>/tasks/new/", plans.phased_task_add, name="phased_task_add"),
    path("plans/<int:pk>/tasks/<int:task_pk>/delete/", plans.phased_task_delete, name="phased_task_delete"),
    path("plans/<int:pk>/enterprises/", plans.enterprises, name="enterprises"),
    path("plans/<int:pk>/enterprises/template.xlsx", plans.enterprises_template, name="enterprises_template"),
    path("plans/<int:pk>/enterprises/export.xlsx", plans.enterprises_export, name="enterprises_export"),
    path("plans/<int:pk>/enterprises/<int:enterprise_pk>/delete/", plans.enterprise_delete, name="enterprise_delete"),
    path("plans/<int:pk>/funds/", plans.fund_plan_edit, name="fund_plan_edit"),
    path("plans/<int:pk>/targets/", plans.target_table_edit, name="target_table_edit"),
    path("plans/<int:pk>/attachments/", plans.attachments, name="attachments"),
    path("plans/<int:pk>/versions/<int:number>/", plans.version_view, name="version_detail"),
    path("plans/<int:pk>/history/", plans.field_history, name="field_history"),
    # The preliminary list, its notice and the final list; the subsidy in instalments.
    path("calls/<int:call_pk>/selection/", selection.selection_page, name="selection"),
    path("calls/<int:call_pk>/selection/finalise/", selection.selection_finalise, name="selection_finalise"),
    path("selections/<int:pk>/decide/", selection.selection_decide, name="selection_decide"),
    path("selections/<int:pk>/publish/", selection.selection_publish, name="selection_publish"),
    path("instalments/", money.instalment_list, name="instalments"),
    path("instalments/<int:pk>/pay/", money.payment_record, name="payment_record"),
]
