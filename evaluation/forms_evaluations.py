"""Forms of the mid-term and final evaluations: input only; the rules live in services/evaluations.py."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def in_days(days: int):
    return lambda: timezone.localdate() + timedelta(days=days)


class OpenForm(forms.Form):
    report_due_on = forms.DateField(
        label=_("报告提交期限"),
        widget=DATE,
        initial=in_days(30),
        help_text=_("试点地区应在此日期前提交绩效评价报告（实际值、情况说明、佐证材料）。"),
    )


class ProposeForm(forms.Form):
    opinion = forms.CharField(
        label=_("评价意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("评价结论由达标规则根据各指标的评定结果得出，请写明评价意见，提交领导确认。"),
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("领导意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=_("退回重新评定时必须填写。"),
    )


class RectificationForm(forms.Form):
    deadline = forms.DateField(label=_("整改期限"), widget=DATE, initial=in_days(90))
    items = forms.CharField(
        label=_("整改事项"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=8000,
        help_text=_("逐项写明须整改的指标和要求；试点地区在整改期限前提交整改报告（新的实际值）。"),
    )


class OpinionForm(forms.Form):
    no_conflict = forms.BooleanField(
        label=_("本人声明：与该试点地区、申报单位及其名单中的企业无任职、经济或亲属等利益关系。"), required=False
    )
    suggested_outcome = forms.ChoiceField(
        label=_("建议结论"),
        choices=[("", "—"), ("met", _("达标")), ("not_met", _("未达标"))],
        required=False,
    )
    text = forms.CharField(
        label=_("专家意见"), widget=forms.Textarea(attrs={"rows": 6}), max_length=8000, required=False
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("回避理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
