from django.db import transaction

from accounts.demo import AGENCY_NAME, EXPERTS, demo_user
from accounts.models import Organisation, Region
from accounts.roles import Role

from .models import ExpertProfile


@transaction.atomic
def load_demo_experts() -> list[tuple[str, str, str]]:
    agency = Organisation.objects.get(name=AGENCY_NAME)
    regions = {region.code: region for region in Region.objects.all()}
    accounts = []
    for username, full_name, employer, fields, home in EXPERTS:
        account = demo_user(username, Role.EXPERT, agency, "评审专家")
        ExpertProfile.objects.get_or_create(
            user=account,
            defaults={
                "full_name": full_name,
                "employer": employer,
                "fields_of_expertise": fields,
                "home_region": regions[home],
            },
        )
        accounts.append((username, f"{Role.EXPERT.label}（{full_name}，{employer}）", agency.name))
    return accounts
