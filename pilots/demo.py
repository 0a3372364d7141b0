"""Demo content for pilot plans: realistic text, chains, 120 enterprises, targets and funds.

Used by ``manage.py load_demo``; everything goes through pilots.services, so demo plans carry the same
audit trail and pass the same checks as real ones."""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.demo import make_uscc
from accounts.validators import USCC_CHARSET

from . import services
from .models import FundLine, PilotPlan

CHAINS = {
    "150100": [("乳业产业链", True), ("电子信息产业链", False)],
    "150200": [("稀土新材料产业链", True), ("装备制造产业链", True)],
    "150300": [("精细化工产业链", True)],
    "150400": [("有色金属产业链", True), ("农畜产品加工产业链", False)],
    "150500": [("玉米生物发酵产业链", True)],
    "150600": [("现代煤化工产业链", True), ("光伏装备产业链", False)],
}
# Targets: (baseline, mid-term, target) for the 23 indicators of 附2, in order.
TARGETS = [
    (420, 450, 480),
    (1300, 1320, 1350),
    (35, 45, 60),
    (4, 6, 8),
    (2, 3, 5),
    (8, 14, 20),
    (2, 3, 5),
    (1, 1, 2),
    (0, 0, 1),
    (5, 9, 15),
    (1, 2, 3),
    (Decimal("38.5"), Decimal("50.0"), Decimal("65.0")),
    (12, 20, 30),
    (3, 5, 8),
    (2, 4, 6),
    (3, 6, 10),
    (0, 40, 80),
    (0, 30, 60),
    (25, 40, 60),
    (6, 9, 12),
    (20, 45, 80),
    (Decimal("85.0"), Decimal("88.0"), Decimal("90.0")),
    (Decimal("30.0"), Decimal("60.0"), Decimal("90.0")),
]
FUNDS = {
    FundLine.Direction.PLATFORM: ("区域级工业互联网平台建设", 8_000_000, 1_000_000, 6_000_000, 3_000_000, 0),
    FundLine.Direction.RETROFIT: ("140家企业数字化改造", 60_000_000, 6_000_000, 20_000_000, 10_000_000, 5_000_000),
    FundLine.Direction.STANDARDS: ("数字化转型地方标准", 0, 0, 500_000, 300_000, 0),
    FundLine.Direction.CONSULTING: ("购买诊断服务", 0, 1_500_000, 2_500_000, 1_000_000, 0),
    FundLine.Direction.TRAINING: ("企业管理者与技术骨干培训", 200_000, 100_000, 600_000, 300_000, 0),
    FundLine.Direction.PROMOTION: ("典型案例宣传推广", 0, 0, 400_000, 200_000, 0),
}


def section_texts(region_name: str, chain_names: list[str]) -> dict[str, str]:
    chains = "、".join(chain_names)
    return {
        "basis_overview": (
            f"{region_name}现有规模以上制造业企业420家，主导产业为{chains}，2023年规上工业增加值同比增长7.8%。"
        ),
        "basis_chains": f"{chains}基础扎实，链主企业带动作用明显，已建成自治区级数字化车间12个、智能工厂3个。",
        "basis_digital_status": "产业链规上企业数字化研发设计工具普及率62%，规下企业以单点信息化为主，上云率不足40%。",
        "targets_overview": "试点期两年内，改造规上企业80家、规下企业60家；中期完成总体目标的一半。详见绩效目标表。",
        "implementation_content": "建设区域级工业互联网平台；分行业开展诊断；推进设备联网、数据采集与管理系统上云。",
        "implementation_path": "“诊断—改造—评估”三步走：先免费诊断，再分批改造，最后组织评估验收。",
        "implementation_mechanism": "成立由分管市领导任组长的工作专班，工信、财政、统计部门按季度会商。",
        "funds_overview": "按“企业出一点、服务商让一点、政府补一点”原则，自治区奖补资金主要用于企业改造和平台建设。",
        "safeguards": "出台配套政策；设立市级配套资金；引进数字化服务商；组织人才培训；建立进度通报机制。",
        "other_material": "附产业链企业名单、盖章的总体方案及相关证明材料。",
    }


def demo_uscc(region_code: str, number: int) -> str:
    body, value = "", number
    for _ in range(6):
        value, digit = divmod(value, 31)
        body = USCC_CHARSET[digit] + body
    return make_uscc(region_code, "MA" + body)


def blank_pdf(title: str) -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("盖章总体方案.pdf", buffer.getvalue(), content_type="application/pdf")


def fill_plan(plan: PilotPlan, *, actor, enterprises: int = 120) -> PilotPlan:
    """Fill every part of a draft plan so that only co-signing stands between it and submission."""
    chain_specs = CHAINS.get(plan.region.code, [("装备制造产业链", True)])
    services.plan_update_sections(
        actor=actor, plan=plan, **section_texts(plan.region.name, [name for name, _ in chain_specs])
    )
    for name, is_key in chain_specs:
        services.chain_save(
            actor=actor,
            plan=plan,
            name=name,
            is_key_chain=is_key,
            basis=f"{name}为本地区重点发展方向，拥有链主企业2家、配套企业60余家。",
            above_scale_count=60,
            below_scale_count=90,
            digital_status="规上企业多已应用ERP，生产设备联网率约35%。",
        )
    start = date(plan.call.year, 9, 30)
    for number, (task, months) in enumerate([("完成企业诊断", 3), ("完成首批改造", 12), ("完成全部改造并评估", 24)]):
        services.phased_task_add(
            actor=actor,
            plan=plan,
            task=task,
            owner=plan.applicant.name,
            due=start + timedelta(days=30 * months + number),
        )
    services.enterprises_replace(
        actor=actor,
        plan=plan,
        rows=[
            services.EnterpriseRow(
                name=f"{plan.region.name}示范制造企业{n:03d}有限公司",
                uscc=demo_uscc(plan.region.code, n),
                revenue=Decimal(20_000_000 + n * 137_500),
                is_srdi=n % 5 == 0,
                chain_name=chain_specs[n % len(chain_specs)][0],
                to_retrofit=n <= 140,
            )
            for n in range(1, enterprises + 1)
        ],
        source="demo",
    )
    values = plan.target_values.select_related("indicator").order_by("indicator__order")
    cells = {}
    for value, row in zip(values, TARGETS, strict=False):
        for field, number in zip(("baseline", "midterm_target", "target"), row, strict=True):
            cells[(value.indicator_id, field)] = str(number)
    services.target_table_save(actor=actor, plan=plan, cells=cells)
    services.fund_plan_save(
        actor=actor,
        plan=plan,
        lines={
            direction: dict(zip(("description", *FundLine.SOURCES), (text, *map(Decimal, amounts)), strict=True))
            for direction, (text, *amounts) in FUNDS.items()
        },
    )
    services.stamped_pdf_attach(actor=actor, plan=plan, uploaded=blank_pdf(plan.title))
    return plan
