from django import forms
from django.utils.translation import gettext_lazy as _

from documents.forms import ContentCheckedFileField

from . import antispam
from .models import GROUNDS_MAX, GROUNDS_MIN, HolidayOverride, NoticeEntry
from .services import ATTACHMENT_TYPES

HONEYPOT_FIELD = "website"


class ObjectionForm(forms.Form):
    """The public objection form. The entry choices come from the notice already loaded (no query), the
    honeypot and the timestamp token are checked in ``clean``."""

    entry = forms.TypedChoiceField(label=_("异议对象"), coerce=int, empty_value=None)
    name = forms.CharField(label=_("异议人姓名或单位名称"), max_length=100)
    contact = forms.CharField(
        label=_("联系方式"), max_length=100, help_text=_("手机号码、电话或电子邮箱，用于核实和反馈。")
    )
    grounds = forms.CharField(
        label=_("异议事实和理由"),
        min_length=GROUNDS_MIN,
        max_length=GROUNDS_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("请写明具体事实和理由，10至5000字。"),
        error_messages={
            "min_length": _("异议事实和理由过短，请至少写%(limit_value)d个字（现有%(show_value)d个字）。"),
            "max_length": _("异议事实和理由过长，最多%(limit_value)d个字（现有%(show_value)d个字）。"),
        },
    )
    attachment = ContentCheckedFileField(
        label=_("证明材料（可选）"),
        allowed=ATTACHMENT_TYPES,
        required=False,
        help_text=_("PDF或图片（PNG、JPEG），一个文件。"),
    )
    # Hidden from people by CSS (not type=hidden): a bot that fills every text box fills this one too.
    website = forms.CharField(label=_("请勿填写此项"), required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, notice_id: int, entries: list[NoticeEntry], **kwargs):
        super().__init__(*args, **kwargs)
        self.notice_id = notice_id
        self.entries = {entry.pk: entry for entry in entries if not entry.withdrawn}
        self.fields["entry"].choices = [("", _("请选择"))] + [
            (entry.pk, f"{entry.position}. {entry.label} · {entry.title}") for entry in self.entries.values()
        ]
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if not self.is_bound:
            self.initial["token"] = antispam.issue_form_token(notice_id)

    def visible_fields(self):
        return [field for field in super().visible_fields() if field.name != HONEYPOT_FIELD]

    def clean_entry(self):
        pk = self.cleaned_data["entry"]
        if pk not in self.entries:
            raise forms.ValidationError(_("请选择本公示中的条目。"))
        return self.entries[pk]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT_FIELD):
            raise forms.ValidationError(_("提交未通过校验，请刷新页面后重新填写。"), code="honeypot")
        try:
            antispam.check_form_token(cleaned.get("token", ""), self.notice_id)
        except antispam.TokenProblem as problem:
            messages = {
                "too_fast": _("提交过快，请稍候几秒再提交。"),
                "expired": _("页面打开已超过2小时，请重新提交（已为您保留填写的内容，附件需重新选择）。"),
                "invalid": _("提交未通过校验，请刷新页面后重新填写。"),
            }
            raise forms.ValidationError(messages[problem.code], code=problem.code) from None
        return cleaned

    def fresh_token(self) -> None:
        """Give a re-shown form a new token, so a person can submit it again."""
        data = self.data.copy()
        data["token"] = antispam.issue_form_token(self.notice_id)
        self.data = data


class ProposeForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=_("处理意见"),
        choices=[("uphold", _("异议成立（撤销该条目）")), ("dismiss", _("异议不成立"))],
        widget=forms.RadioSelect,
        coerce=lambda value: value == "uphold",
    )
    investigation = forms.CharField(label=_("调查情况"), widget=forms.Textarea(attrs={"rows": 6}))
    reason = forms.CharField(
        label=_("处理意见及理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("异议成立时，该理由将作为撤销原因在公示页面上公开。"),
    )


class ConfirmForm(forms.Form):
    comment = forms.CharField(label=_("领导意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 3}))


class HolidayOverrideForm(forms.ModelForm):
    is_working_day = forms.TypedChoiceField(
        label=_("调整为"),
        choices=[("1", _("工作日（如调休上班）")), ("0", _("休息日"))],
        coerce=lambda value: value == "1",
    )

    class Meta:
        model = HolidayOverride
        fields = ["date", "is_working_day", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_date(self):
        day = self.cleaned_data["date"]
        if HolidayOverride.objects.filter(date=day).exists():
            raise forms.ValidationError(_("该日期已有调整记录，如需修改请先删除原记录。"))
        return day

    def validate_unique(self):
        """Checked in clean_date, with a clearer message."""
