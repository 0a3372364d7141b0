"""Input validation of the report pages only; the rules (cells, completeness, states) live in
services/reports.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.forms import ContentCheckedFileField
from documents.validation import IMAGES, PDF


class ReportEvidenceForm(forms.Form):
    file = ContentCheckedFileField(
        label=_("佐证材料（PDF或图片）"),
        allowed=frozenset({PDF, *IMAGES}),
        error_messages={"required": _("请选择要上传的文件。")},
    )


class ReportReturnForm(forms.Form):
    reasons = forms.CharField(
        label=_("退回原因"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        error_messages={"required": _("退回时请写明原因。")},
        help_text=_("写明需要补充或修改的内容，退回后报告回到盟市工信局，已填写的内容保留。"),
    )
