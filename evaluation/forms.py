"""Input validation only; the rules of the review (screening, states, completeness) live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import scoring
from .models import Assignment
from .services import ScorecardInput, comment_field, score_field

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class ExpertForm(forms.Form):
    declared_ties = forms.CharField(
        label=_("申报的关联关系"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("与本人有任职、经济或亲属关系的机构名称或统一社会信用代码，每行一个。分配时据此自动回避。"),
    )
    is_active = forms.BooleanField(label=_("在库（可接受分配）"), required=False)

    def clean_declared_ties(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["declared_ties"].splitlines() if line.strip()]


class AssignForm(forms.Form):
    expert = forms.ModelChoiceField(
        label=_("评审专家"), queryset=None, error_messages={"required": _("请选择一位专家。")}
    )

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts
        self.fields["expert"].label_from_instance = lambda expert: (
            _("%(name)s（%(employer)s，进行中%(load)s项）")
            % {
                "name": expert.full_name,
                "employer": expert.employer or "—",
                "load": getattr(expert, "open_load", 0),
            }
        )


class DeclarationForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "本人承诺：与该方案的申报地区、申报单位及方案所列企业不存在任职、经济利益、亲属等利益冲突关系，"
            "能够独立、客观、公正地开展评审，并对评审内容保密。"
        ),
        error_messages={"required": _("请勾选确认无利益冲突的声明。")},
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("回避原因"),
        choices=[("", "---------"), *Assignment.DeclineReason.choices],
        error_messages={"required": _("请选择回避原因。")},
    )
    note = forms.CharField(label=_("回避说明"), required=False, widget=TEXTAREA)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("退回重评原因"), widget=TEXTAREA, error_messages={"required": _("请写明退回重评的原因。")}
    )


class ConsensusNoteForm(forms.Form):
    note = forms.CharField(label=_("合议意见"), widget=TEXTAREA, error_messages={"required": _("请填写合议意见。")})


class ScorecardForm(forms.Form):
    """One score and one comment per criterion of the call, then the opinion, the suggestions for revising
    the plan and the conclusion. Every field is optional here (a draft keeps partial input); a given score
    must be a number from 0 to the criterion's maximum in steps of 0.5. Completeness is the submit
    service's rule."""

    overall_opinion = forms.CharField(label=_("总体意见"), required=False, widget=TEXTAREA)
    revision_suggestions = forms.CharField(label=_("方案修改完善建议"), required=False, widget=TEXTAREA)
    recommendation = forms.ChoiceField(
        label=_("评审结论"),
        required=False,
        choices=[("", "---------"), *Assignment.Recommendation.choices],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[score_field(criterion.pk)] = forms.CharField(
                label=_("得分"),
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            )
            self.fields[comment_field(criterion.pk)] = forms.CharField(
                label=_("评语"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.fields["recommendation"].choices = Assignment.Recommendation.choices

    @classmethod
    def initial_from(cls, assignment) -> dict:
        """The saved scorecard (``assignment.score_list`` as attached by the selectors)."""
        initial = {
            "overall_opinion": assignment.overall_opinion,
            "revision_suggestions": assignment.revision_suggestions,
            "recommendation": assignment.recommendation,
        }
        for line in assignment.score_list:
            initial[score_field(line.criterion_id)] = "" if line.score is None else f"{line.score.normalize():f}"
            initial[comment_field(line.criterion_id)] = line.comment
        return initial

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            name = score_field(criterion.pk)
            text = (data.get(name) or "").strip()
            if not text:
                data[name] = None
                continue
            try:
                value = scoring.parse_score(text)
            except ValueError as error:
                self.add_error(name, str(error))
                continue
            problem = scoring.score_problem(value, criterion.max_points)
            if problem:
                self.add_error(name, problem)
            else:
                data[name] = value
        return data

    @property
    def rows(self) -> list[tuple]:
        """(criterion, score field, comment field) per criterion, for the template."""
        return [(c, self[score_field(c.pk)], self[comment_field(c.pk)]) for c in self.criteria]

    def scorecard(self) -> ScorecardInput:
        data = self.cleaned_data
        return ScorecardInput(
            scores={c.pk: (data.get(score_field(c.pk)), data.get(comment_field(c.pk)) or "") for c in self.criteria},
            overall_opinion=data.get("overall_opinion") or "",
            revision_suggestions=data.get("revision_suggestions") or "",
            recommendation=data.get("recommendation") or "",
        )
