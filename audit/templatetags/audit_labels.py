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
}


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
