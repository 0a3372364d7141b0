"""Input validation only; rules that span objects live in pilots.services."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from documents.forms import ContentCheckedFileField
from documents.validation import IMAGES, PDF, XLSX

from .models import FundLine, IndustryChain, PhasedTask, PilotCall, PilotPlan

TEXTAREA = forms.Textarea(attrs={"rows": 5})


class CallForm(forms.ModelForm):
    deadline = forms.DateTimeField(
        label=_("申报截止时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    class Meta:
        model = PilotCall
        fields = [
            "kind",
            "year",
            "title",
            "guide_text",
            "deadline",
            "pilots_sought",
            "period_months",
            "notice_working_days",
            "share_at_approval",
            "share_after_midterm",
            "share_after_acceptance",
            "min_retrofit_enterprises",
            "experts_per_plan",
            "pass_threshold",
            "spread_threshold",
            "approval_number_pattern",
            "target_template",
        ]
        widgets = {"guide_text": TEXTAREA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].help_text = _(
            "国家中小企业数字化转型城市试点：盟市上传国家批复文件、经批准的实施方案和申请金额，形式审查通过后直接起草批复，"
            "不经专家评审和公示；拟遴选试点数、公示期、改造企业数量下限、专家评审等设置对其不适用。"
        )

    def clean_approval_number_pattern(self):
        pattern = self.cleaned_data["approval_number_pattern"]
        try:
            pattern.format(year=2024, number=1)
        except (KeyError, IndexError, ValueError):
            raise forms.ValidationError(_("文号格式只能使用 {year} 和 {number} 两个占位符。")) from None
        if "{number}" not in pattern:
            raise forms.ValidationError(_("文号格式必须包含顺序号占位符 {number}。"))
        return pattern

    def clean(self):
        data = super().clean()
        shares = [data.get(name) for name in ("share_at_approval", "share_after_midterm", "share_after_acceptance")]
        if all(share is not None for share in shares) and sum(shares) != 100:
            raise forms.ValidationError(_("三期拨付比例之和应为100%%，当前为%(total)s%%。") % {"total": sum(shares)})
        return data


SECTION_MAX_CHARS = 20_000


class SectionsForm(forms.ModelForm):
    class Meta:
        model = PilotPlan
        fields = ["title", *PilotPlan.SECTION_FIELDS]
        widgets = {name: TEXTAREA for name in PilotPlan.SECTION_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PilotPlan.SECTION_FIELDS:
            # A section is a chapter, not an attachment: long material belongs in the evidence files.
            self.fields[name].max_length = SECTION_MAX_CHARS
            self.fields[name].validators.append(MaxLengthValidator(SECTION_MAX_CHARS))


class ChainForm(forms.ModelForm):
    class Meta:
        model = IndustryChain
        fields = ["name", "is_key_chain", "basis", "above_scale_count", "below_scale_count", "digital_status"]
        widgets = {"basis": TEXTAREA, "digital_status": forms.Textarea(attrs={"rows": 3})}


class PhasedTaskForm(forms.ModelForm):
    class Meta:
        model = PhasedTask
        fields = ["task", "owner", "due"]
        widgets = {"due": forms.DateInput(attrs={"type": "date"})}


class FundLineForm(forms.ModelForm):
    class Meta:
        model = FundLine
        fields = ["description", *FundLine.SOURCES]
        widgets = {source: forms.NumberInput(attrs={"step": "0.01", "min": "0"}) for source in FundLine.SOURCES}


FundLineFormSet = forms.modelformset_factory(FundLine, form=FundLineForm, extra=0, can_delete=False)


class EnterpriseImportForm(forms.Form):
    file = ContentCheckedFileField(label=_("企业名单（Excel .xlsx）"), allowed=frozenset({XLSX}))


class StampedPdfForm(forms.Form):
    file = ContentCheckedFileField(label=_("盖章的总体方案（PDF）"), allowed=frozenset({PDF}))


class NationalApprovalForm(forms.Form):
    file = ContentCheckedFileField(label=_("国家试点批复文件（PDF）"), allowed=frozenset({PDF}))


class NationalPlanForm(forms.Form):
    """A national SME city pilot plan: its title and the grant requested (the rules are in services.national)."""

    title = forms.CharField(label=_("方案名称"), max_length=200)
    amount = forms.DecimalField(
        label=_("申请自治区专项资金（元）"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
        help_text=_("经批准的城市试点实施方案中申请自治区安排的专项资金。"),
    )


class EvidenceForm(forms.Form):
    file = ContentCheckedFileField(label=_("佐证材料（PDF或图片）"), allowed=frozenset({PDF, *IMAGES}))


class ReasonForm(forms.Form):
    reasons = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class ReturnReasonsForm(forms.Form):
    reasons = forms.CharField(label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class CosignCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("会签意见（退回时必填）"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )
