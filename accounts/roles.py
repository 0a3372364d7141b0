"""The roles of domain.md. Each role is a Django group of the same code name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("盟市工信局（申报）")
    COSIGNER = "cosigner", _("盟市财政局（会签）")
    AGENCY_COORDINATOR = "agency_coordinator", _("第三方机构协调人")
    EXPERT = "expert", _("评审专家")
    DEPARTMENT_OFFICER = "department_officer", _("工信厅经办人")
    DEPARTMENT_LEADER = "department_leader", _("工信厅领导")
    FINANCE_DEPARTMENT = "finance_department", _("自治区财政厅")
    AUDITOR = "auditor", _("审计人员")
    ENTERPRISE = "enterprise", _("企业")
    COUNTY_BUREAU = "county_bureau", _("旗县区工信局")


# Roles that see every case in the province (read access).
PROVINCE_WIDE_READERS = frozenset(
    {Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_LEADER, Role.FINANCE_DEPARTMENT, Role.AUDITOR}
)
