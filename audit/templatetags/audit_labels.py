from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS = {
    "auth.login": _("登录"),
    "auth.logout": _("退出"),
    "document.upload": _("上传文件"),
    "call.create": _("创建申报批次"),
    "call.update": _("修改申报批次"),
    "call.open": _("发布申报批次"),
    "call.close": _("申报截止"),
    "target_template.copy": _("复制绩效目标表模板"),
    "plan.create": _("新建总体方案"),
    "plan.update_sections": _("编辑方案正文"),
    "plan.chain_save": _("保存产业链"),
    "plan.chain_delete": _("删除产业链"),
    "plan.phased_task_add": _("添加阶段任务"),
    "plan.phased_task_delete": _("删除阶段任务"),
    "plan.enterprises_replace": _("导入企业名单"),
    "plan.enterprise_delete": _("移除企业"),
    "plan.fund_plan_save": _("保存资金计划"),
    "plan.target_table_save": _("保存绩效目标表"),
    "plan.stamped_pdf_attach": _("上传盖章PDF"),
    "plan.evidence_attach": _("上传佐证材料"),
    "plan.send_to_cosign": _("送财政局会签"),
    "plan.cosign": _("财政局会签"),
    "plan.cosign_return": _("财政局退回"),
    "plan.submit": _("提交方案"),
    "plan.accept": _("形式审查通过"),
    "plan.return": _("形式审查退回"),
    "plan.review_start": _("进入专家评审"),
    "plan.grant_view": _("授予查阅权限"),
    "plan.revoke_view": _("撤销查阅权限"),
    "call.review_start": _("启动专家评审"),
    "call.ranked": _("形成评审排名"),
    "assignment.create": _("分配评审专家"),
    "assignment.declare": _("专家声明无利益冲突"),
    "assignment.decline": _("专家申请回避"),
    "assignment.save_draft": _("保存评审草稿"),
    "assignment.submit": _("提交评审意见"),
    "assignment.reopen": _("退回专家重评"),
    "consensus_note.save": _("记录合议意见"),
    "ranking_report.submit": _("提交评审排名报告"),
    "expert.update": _("修改专家信息"),
}


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
