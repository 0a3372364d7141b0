"""Input validation only. The calculator's fields are generated from the category's fact definitions and
the officer's form from the rule's numbers; what the numbers mean is decided in applications.rules."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Region

from . import rules
from .models import FactDefinition, InvestmentItem, Policy, PolicyCategory

MONEY_CHARS_DROPPED = str.maketrans("", "", ",， 元\u00a0")


class MoneyField(forms.DecimalField):
    """Yuan with at most two decimals; accepts the thousands separators people type ("25,000,000")."""

    default_error_messages = {
        "invalid": _("请输入金额（阿拉伯数字，单位元），如 25000000 或 25,000,000.00。"),
        "min_value": _("金额不能为负数。"),
        "max_digits": _("金额过大，请核对。"),
        "max_whole_digits": _("金额过大，请核对。"),
        "max_decimal_places": _("金额最多保留两位小数（分）。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(max_digits=16, decimal_places=2, min_value=Decimal(0), **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(MONEY_CHARS_DROPPED)
        return super().to_python(value)

    def widget_attrs(self, widget):
        # No browser-side min/step: a text input keeps what was typed, and the message comes from us.
        return {}


def fact_field(fact: FactDefinition, *, required: bool) -> forms.Field:
    required_message = _("请填写“%(label)s”。") % {"label": fact.label}
    common = {"label": fact.label, "help_text": fact.help_text, "required": required}
    if fact.kind == FactDefinition.Kind.MONEY:
        field = MoneyField(**common)
    elif fact.kind == FactDefinition.Kind.INTEGER:
        field = forms.IntegerField(
            min_value=0,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            error_messages={"invalid": _("请输入整数。"), "min_value": _("不能为负数。")},
            **common,
        )
    else:
        field = forms.ChoiceField(
            choices=[("", _("请选择")), *rules.check_choices(fact.kind, fact.choices)],
            error_messages={"invalid_choice": _("请从列表中选择。")},
            **common,
        )
    field.error_messages["required"] = required_message
    return field


class FactsForm(forms.Form):
    """The facts of one category. A fact is required when every sub-item needs it; a category whose
    sub-items need different facts (a park's investment or its recognition) leaves the choice to the
    quote, whose message then goes to the top of the form."""

    def __init__(self, *args, category: PolicyCategory, rule_rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        facts = {fact.code: fact.as_fact() for fact in category.facts.all()}
        needed = [
            set(rules.parse_params(row.kind, row.params, facts).required_facts)
            for row in rule_rows
            if row.payee == rules.PAYEE_APPLICANT
        ]
        always = set.intersection(*needed) if needed else set()
        for fact in category.facts.all():
            self.fields[fact.code] = fact_field(fact, required=fact.code in always)

    def facts(self) -> dict:
        return {code: value for code, value in self.cleaned_data.items() if value not in (None, "")}


class CategoryChoiceForm(forms.Form):
    category = forms.TypedChoiceField(label=_("奖补类别"), coerce=int, empty_value=None)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for category in categories:
            groups.setdefault(str(category.policy), []).append((category.pk, category.name))
        self.fields["category"].choices = [("", _("请选择奖补类别")), *groups.items()]
        self.fields["category"].error_messages.update(
            invalid_choice=_("请从列表中选择奖补类别。"), required=_("请选择奖补类别。")
        )


class RuleRevisionForm(forms.Form):
    """The numbers of one rule, its new version's first day and why it changes."""

    effective_from = forms.DateField(
        label=_("新版本生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入有效的日期，如 2026-03-01。"), "required": _("请填写新版本生效日期。")},
        help_text=_("该日期及以后的试算和申报按新版本计算；此前的日期仍按原版本。"),
    )
    change_reason = forms.CharField(
        label=_("修订说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": _("请填写修订说明（依据的文件或原因）。")},
    )

    def __init__(self, *args, numbers: list[rules.Number], **kwargs):
        super().__init__(*args, **kwargs)
        self.number_keys = []
        for number in numbers:
            name = number.key.replace(".", "__")
            self.number_keys.append((name, number.key))
            if number.is_rate:
                field = forms.DecimalField(
                    label=number.label,
                    max_digits=10,
                    decimal_places=4,
                    min_value=Decimal("0.0001"),
                    max_value=Decimal(100),
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                    error_messages={
                        "invalid": _("请输入百分比数字，如 13。"),
                        "min_value": _("比例应大于0。"),
                        "max_value": _("比例不能超过100%%。"),
                        "max_decimal_places": _("比例最多保留四位小数。"),
                        "required": _("请填写比例。"),
                    },
                )
            else:
                field = MoneyField(label=number.label, required=not number.optional)
                field.error_messages["required"] = _("请填写金额。")
            field.initial = number.value
            self.fields[name] = field
        self.order_fields([name for name, _key in self.number_keys] + ["effective_from", "change_reason"])

    def numbers(self) -> dict:
        return {key: self.cleaned_data[name] for name, key in self.number_keys}


# Applications ---------------------------------------------------------------------------------------------


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-03-01。"), "required": _("请填写日期。")}


class ApplicationForm(forms.Form):
    """The project; the facts come from FactsForm, the investments from InvestmentFormSet. ``uscc`` names
    the applying enterprise (it must be the user's own: the service refuses any other)."""

    uscc = forms.CharField(widget=forms.HiddenInput, max_length=18)
    project_name = forms.CharField(
        label=_("项目名称"), max_length=200, error_messages={"required": _("请填写项目名称。")}
    )
    period_from = forms.DateField(label=_("项目起始日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    period_to = forms.DateField(label=_("项目结束日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    county = forms.TypedChoiceField(label=_("项目所在旗县区"), coerce=int, empty_value=None)

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", _("请选择")), *((c.pk, f"{c.parent.name} {c.name}") for c in counties)]
        self.fields["county"].error_messages.update(
            required=_("请选择项目所在旗县区。"), invalid_choice=_("请从列表中选择旗县区。")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("项目结束日期不能早于起始日期。"))
        return data


class InvestmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=[("", _("请选择")), *InvestmentItem.Kind.choices],
        error_messages={"required": _("请选择投资类别。"), "invalid_choice": _("请从列表中选择。")},
    )
    description = forms.CharField(label=_("内容"), max_length=200, error_messages={"required": _("请填写投资内容。")})
    amount = MoneyField(label=_("金额（元）"), error_messages={"required": _("请填写金额。")})
    invoice_number = forms.CharField(
        label=_("发票/合同编号"), max_length=60, error_messages={"required": _("请填写发票或合同编号。")}
    )


InvestmentFormSet = forms.formset_factory(InvestmentForm, extra=3, max_num=100, validate_max=True)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("证明材料（PDF或图片）"), error_messages={"required": _("请选择文件。")})


class CountyReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("初审结论"), choices=[("pass", _("通过")), ("return", _("退回企业修改"))], widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reasons = forms.CharField(
        label=_("核减理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("核减申报事实时必填。"),
    )


class CityReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("pass", _("通过并推荐")), ("return", _("退回企业修改")), ("reject", _("不予通过"))],
        widget=forms.RadioSelect,
    )
    recommended_amount = MoneyField(label=_("推荐金额（元）"), required=False)
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExpertConclusionForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("专家评审结论"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    conclusion = forms.CharField(label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("结论"), choices=[("approve", _("批准")), ("reject", _("不予批准"))], widget=forms.RadioSelect
    )
    amount = MoneyField(label=_("批准金额（元）"), required=False)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FiscalContributionForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    amount = MoneyField(label=_("地方财政贡献（元）"))


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("兑付金额（元）"))
    paid_on = forms.DateField(label=_("兑付日期"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    voucher = forms.CharField(label=_("凭证号"), max_length=60)


class ExpertAssignForm(forms.Form):
    expert = forms.TypedChoiceField(label=_("专家"), coerce=int, error_messages={"required": _("请选择专家。")})

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [
            ("", _("请选择")),
            *((e.pk, e.full_name) for e, reasons in experts if not reasons),
        ]
        self.fields["expert"].error_messages["invalid_choice"] = _("该专家不可分配（须回避或已分配）。")


class ExpertOpinionForm(forms.Form):
    no_conflict = forms.BooleanField(
        label=_("本人声明与该申报企业及项目无任职、经济或亲属等利益关系"),
        error_messages={"required": _("请先声明无利益冲突。")},
    )
    recommend = forms.TypedChoiceField(
        label=_("结论"),
        choices=[("1", _("同意推荐")), ("0", _("不同意推荐"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 3}))


class ChinaDateTimeField(forms.DateTimeField):
    """A datetime-local input read and shown in Asia/Shanghai, whatever the server's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
    default_error_messages = {
        "invalid": _("请输入有效的日期时间，如 2026-03-01 09:00。"),
        "required": _("请填写时间。"),
    }

    def prepare_value(self, value):
        from django.utils import timezone

        from .selectors import CHINA

        if hasattr(value, "tzinfo") and value is not None and timezone.is_aware(value):
            return value.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")
        return value

    def to_python(self, value):
        from django.utils import timezone

        from .selectors import CHINA

        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            result = timezone.make_naive(result, timezone.get_current_timezone())
        return None if result is None else result.replace(tzinfo=CHINA)


class RoundForm(forms.Form):
    policy = forms.ModelChoiceField(
        label=_("政策"), queryset=Policy.objects.none(), error_messages={"required": _("请选择政策。")}
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("批次名称"), max_length=200)
    opens_at = ChinaDateTimeField(label=_("开始受理时间（北京时间）"))
    closes_at = ChinaDateTimeField(label=_("截止时间（北京时间）"))
    regions = forms.ModelMultipleChoiceField(
        label=_("适用盟市（不选表示全区）"), queryset=Region.objects.none(), required=False
    )
    expert_review_threshold = MoneyField(label=_("专家评审起点金额（元）"), initial=Decimal("1000000"))
    notice_working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=60, initial=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.order_by("-issued_on", "code")
        self.fields["regions"].queryset = Region.objects.filter(level=Region.Level.LEAGUE_CITY).order_by("code")
