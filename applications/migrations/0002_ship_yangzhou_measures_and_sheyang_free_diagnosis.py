"""Ships two policies as data, with every number from the source documents:

- 扬州市人民政府 扬府发〔2022〕20号, 附件1《关于推进制造业智能化改造和数字化转型的政策措施》: seven categories and
  their sub-items. "本政策措施自发布之日起施行，有效期三年": issued 2022-02-24, so in force 2022-02-24 to 2025-02-23.
- 射阳县人民政府办公室 射政办发〔2022〕12号 (三年行动计划 2022–2024), 五（二）: free diagnosis and some software
  services for above-scale enterprises through government procurement, at most 100,000 yuan each.
  "本政策自发布之日起实施，有效期截至2024年12月31日": issued 2022-03-16.

Self-contained (no app imports): applications.demo calls ``ship_policies`` again after a test flush.
Reversible: the reverse removes both policies, newest rule versions first.
"""

import datetime

from django.db import migrations

YANGZHOU = "yangzhou-2022-20"
SHEYANG = "sheyang-2022-12"

PROVINCIAL_NATIONAL = [["provincial", "省级"], ["national", "国家级"]]
DIAGNOSIS_LEVELS = [["chain", "重点产业链"], ["factory", "工厂"], ["workshop", "车间"]]
BENCHMARK_LEVELS = [
    ["national_demo", "国家智能制造、工业互联网、新一代信息技术与制造业融合发展等试点示范"],
    ["provincial_platform", "省级工业互联网平台"],
    ["provincial_benchmark_factory", "省级工业互联网标杆工厂"],
    ["provincial_smart_factory", "省级智能工厂"],
    ["integration_2a", "两化融合管理体系贯标 2A级评定证书"],
    ["integration_3a", "两化融合管理体系贯标 3A级评定证书"],
    ["five_star_cloud", "省五星级上云企业"],
    ["ecommerce_demo", "省级工业电子商务发展示范企业"],
]


def money(label, help_text=""):
    return {"kind": "money", "label": label, "help_text": help_text}


def choice(label, choices, help_text=""):
    return {"kind": "choice", "label": label, "choices": choices, "help_text": help_text}


def rate_rule(code, name, clause, base_fact, rate, cap, minimum_base=None, requires=(), evidence=()):
    params = {"base_fact": base_fact, "rate": rate, "cap": cap, "minimum_base": minimum_base, "requires": list(requires)}
    return {"code": code, "name": name, "clause": clause, "kind": "rate_of_base", "params": params, "evidence": list(evidence)}


def level_rule(code, name, clause, level_fact, amounts, evidence=()):
    params = {"level_fact": level_fact, "amounts": amounts, "requires": []}
    return {"code": code, "name": name, "clause": clause, "kind": "fixed_by_level", "params": params, "evidence": list(evidence)}


def unit_rule(code, name, clause, unit_fact, amounts, unit, evidence=(), payee="applicant"):
    params = {"unit_fact": unit_fact, "amounts": amounts, "unit": unit, "requires": []}
    return {
        "code": code,
        "name": name,
        "clause": clause,
        "kind": "fixed_per_unit",
        "params": params,
        "evidence": list(evidence),
        "payee": payee,
    }


YANGZHOU_POLICY = {
    "code": YANGZHOU,
    "title": "关于推进制造业智能化改造和数字化转型的政策措施",
    "issuing_authority": "扬州市人民政府",
    "document_number": "扬府发〔2022〕20号",
    "issued_on": datetime.date(2022, 2, 24),
    "valid_from": datetime.date(2022, 2, 24),
    "valid_to": datetime.date(2025, 2, 23),
    "area_label": "江苏省扬州市",
    "source_note": "《关于加快推进制造业智能化改造和数字化转型的实施意见》附件1。“本政策措施自发布之日起施行，有效期三年。”"
    "市工信局会同市财政局联合制定相关实施细则并负责解释。",
}
YANGZHOU_CATEGORIES = [
    {
        "code": "smart_retrofit",
        "name": "智能化改造",
        "description": "鼓励企业加大对智能制造设备及5G、工业大数据、物联网、人工智能等新一代信息技术集成应用的投入，加快生产经营"
        "方式向智能化转变。对年智能制造设备、软件和技术服务投资额达到2000万元以上的项目，按照不高于投资额的13%给予补助，"
        "最高600万元。",
        "facts": {"investment": money("年度智能制造设备、软件和技术服务投资额（元）", "当年实际发生的设备、软件和技术服务投资合计。")},
        "rules": [
            rate_rule(
                "smart_retrofit",
                "智能化改造项目补助",
                "附件1 二（一）",
                "investment",
                "0.13",
                "6000000.00",
                minimum_base="20000000.00",
                evidence=[
                    "项目备案（核准）文件",
                    "智能制造设备、软件和技术服务的购置合同及发票清单",
                    "付款凭证",
                    "项目竣工或验收证明",
                ],
            )
        ],
    },
    {
        "code": "industrial_internet_platform",
        "name": "工业互联网建设",
        "description": "引导企业建设跨行业、跨领域工业互联网平台。省级及以上工业互联网平台，按照不高于年平台投入的13%给予补助，"
        "最高500万元。",
        "facts": {
            "platform_investment": money("年度平台投入（元）"),
            "recognition": choice("平台认定级别", [["provincial", "省级工业互联网平台"], ["national", "国家级工业互联网平台"]]),
        },
        "rules": [
            rate_rule(
                "industrial_internet_platform",
                "工业互联网平台建设补助",
                "附件1 二（二）",
                "platform_investment",
                "0.13",
                "5000000.00",
                requires=["recognition"],
                evidence=["省级及以上工业互联网平台认定文件", "年度平台投入明细及合同、发票", "付款凭证"],
            )
        ],
    },
    {
        "code": "first_set_equipment",
        "name": "智能装备研制推广",
        "description": "加快智能装备技术攻关、迭代升级和推广应用。对列入国家、省首台（套）重大装备认定及推广应用指导目录的产品，"
        "按照不高于年产品销售收入的10%给予补助，最高200万元。",
        "facts": {
            "product_sales": money("该产品年度销售收入（元）"),
            "catalogue": choice(
                "列入的首台（套）重大装备目录",
                [
                    ["provincial", "省首台（套）重大装备认定及推广应用指导目录"],
                    ["national", "国家首台（套）重大装备推广应用指导目录"],
                ],
            ),
        },
        "rules": [
            rate_rule(
                "first_set_equipment",
                "首台（套）重大装备推广补助",
                "附件1 二（三）",
                "product_sales",
                "0.10",
                "2000000.00",
                requires=["catalogue"],
                evidence=["列入首台（套）重大装备目录的证明", "年度产品销售合同及发票", "年度销售收入的审计或纳税证明"],
            )
        ],
    },
    {
        "code": "diagnosis",
        "name": "咨询诊断服务",
        "description": "通过政府采购，全国范围内遴选优秀服务商为重点产业链、制造业企业开展智能化改造和数字化转型咨询诊断服务，"
        "并委托有资质的第三方机构对诊断服务全过程监理。重点产业链咨询诊断服务费补助50万元/家，工厂诊断服务费补助20万元/家，"
        "车间诊断服务费补助5万元/家，监理费用0.5万元/家。",
        "facts": {"level": choice("诊断对象", DIAGNOSIS_LEVELS, "由政府采购的服务商提供诊断，补助为诊断服务费。")},
        "rules": [
            unit_rule(
                "diagnosis_service",
                "咨询诊断服务费补助",
                "附件1 二（四）",
                "level",
                {"chain": "500000.00", "factory": "200000.00", "workshop": "50000.00"},
                "家",
                evidence=["政府采购合同", "诊断服务协议", "诊断报告"],
            ),
            unit_rule(
                "diagnosis_supervision",
                "诊断服务全过程监理费用",
                "附件1 二（四）",
                "level",
                {"chain": "5000.00", "factory": "5000.00", "workshop": "5000.00"},
                "家",
                evidence=["监理委托合同", "监理报告"],
                payee="third_party",
            ),
        ],
    },
    {
        "code": "benchmark_award",
        "name": "标杆示范创建",
        "description": "鼓励企业主动承担国家、省级试点示范项目，争当智能制造领域示范标杆。新获批国家智能制造、工业互联网、新一代信息"
        "技术与制造业融合发展等试点示范认定的企业，分别给予最高200万元的奖励。新获批省级工业互联网平台、工业互联网标杆工厂及"
        "智能工厂的企业，分别给予最高100万元的奖励。通过国家两化融合管理体系贯标，取得2A级、3A级评定证书的企业，分别给予最高"
        "15万元、20万元的奖励。新获批省五星级上云企业、省级工业电子商务发展示范企业，给予最高10万元的奖励。",
        "facts": {"recognition": choice("新获批的认定", BENCHMARK_LEVELS)},
        "rules": [
            level_rule(
                "national_demo",
                "国家级试点示范奖励",
                "附件1 二（五）",
                "recognition",
                {"national_demo": "2000000.00"},
                evidence=["国家级试点示范认定文件"],
            ),
            level_rule(
                "provincial_recognition",
                "省级平台、标杆工厂、智能工厂奖励",
                "附件1 二（五）",
                "recognition",
                {
                    "provincial_platform": "1000000.00",
                    "provincial_benchmark_factory": "1000000.00",
                    "provincial_smart_factory": "1000000.00",
                },
                evidence=["省级认定文件"],
            ),
            level_rule(
                "integration_certificate",
                "两化融合管理体系贯标奖励",
                "附件1 二（五）",
                "recognition",
                {"integration_2a": "150000.00", "integration_3a": "200000.00"},
                evidence=["两化融合管理体系评定证书（2A级或3A级）"],
            ),
            level_rule(
                "cloud_and_ecommerce",
                "五星级上云、工业电子商务示范奖励",
                "附件1 二（五）",
                "recognition",
                {"five_star_cloud": "100000.00", "ecommerce_demo": "100000.00"},
                evidence=["省五星级上云企业或省级工业电子商务发展示范企业认定文件"],
            ),
        ],
    },
    {
        "code": "service_provider_award",
        "name": "领军服务商培育",
        "description": "支持服务商提供智能化改造和数字化转型解决方案和服务。新获批省级及以上智能制造服务商，给予最高50万元的奖励。",
        "facts": {
            "recognition": choice(
                "新获批的智能制造服务商级别", [["provincial", "省级智能制造服务商"], ["national", "国家级智能制造服务商"]]
            )
        },
        "rules": [
            level_rule(
                "service_provider_award",
                "智能制造领军服务商奖励",
                "附件1 二（六）",
                "recognition",
                {"provincial": "500000.00", "national": "500000.00"},
                evidence=["省级及以上智能制造服务商认定文件"],
            )
        ],
    },
    {
        "code": "park_digitalisation",
        "name": "园区数字化转型",
        "description": "支持各产业园区建设数字化园区，对园区在网络部署、公共云平台建设、数据采集等数字化改造方面的投入，按照不高于"
        "投入总额的15%给予补助，最高200万元。新获批“互联网+先进制造业”基地，给予最高20万元的奖励。",
        "facts": {
            "investment": money("园区网络部署、公共云平台建设、数据采集等数字化改造投入总额（元）", "申请数字化改造补助时填写。"),
            "recognition": choice(
                "新获批的认定", [["internet_plus_base", "“互联网+先进制造业”基地"]], "申请基地奖励时选择。"
            ),
        },
        "rules": [
            rate_rule(
                "park_investment",
                "园区数字化改造补助",
                "附件1 二（七）",
                "investment",
                "0.15",
                "2000000.00",
                evidence=["园区数字化改造投入明细（网络部署、公共云平台建设、数据采集等）及合同、发票", "付款凭证"],
            ),
            level_rule(
                "internet_plus_base",
                "“互联网+先进制造业”基地奖励",
                "附件1 二（七）",
                "recognition",
                {"internet_plus_base": "200000.00"},
                evidence=["“互联网+先进制造业”基地认定文件"],
            ),
        ],
    },
]

SHEYANG_POLICY = {
    "code": SHEYANG,
    "title": "射阳县规模以上工业企业智能化改造数字化转型三年行动计划（2022-2024）",
    "issuing_authority": "射阳县人民政府办公室",
    "document_number": "射政办发〔2022〕12号",
    "issued_on": datetime.date(2022, 3, 16),
    "valid_from": datetime.date(2022, 3, 16),
    "valid_to": datetime.date(2024, 12, 31),
    "area_label": "江苏省盐城市射阳县",
    "source_note": "五、保障措施（二）强化政策支持。“本政策自发布之日起实施，有效期截至2024年12月31日。”同一项目同时符合多项政策的，"
    "按照就高不重复享受的原则予以支持；同一企业“智改数转”财政奖励额度原则上以该企业当年对地方财政的贡献为限（剩余部分按照对"
    "地方财政的贡献逐年兑付）。",
}
SHEYANG_CATEGORIES = [
    {
        "code": "free_diagnosis",
        "name": "免费诊断服务",
        "description": "通过政府集中采购，为规上企业提供免费诊断及部分软件服务，费用不高于10万元/家。",
        "facts": {
            "enterprise_scale": choice(
                "企业规模", [["above_scale", "规模以上工业企业"], ["below_scale", "规模以下工业企业"]]
            )
        },
        "rules": [
            level_rule(
                "free_diagnosis",
                "规上企业免费诊断及部分软件服务",
                "五（二）",
                "enterprise_scale",
                {"above_scale": "100000.00"},
                evidence=["规模以上工业企业证明（统计联网直报名录）", "政府集中采购合同", "诊断报告"],
            )
        ],
    }
]

SHIPPED = [(YANGZHOU_POLICY, YANGZHOU_CATEGORIES), (SHEYANG_POLICY, SHEYANG_CATEGORIES)]


def ship_policies(apps, schema_editor=None):
    Policy = apps.get_model("applications", "Policy")
    PolicyCategory = apps.get_model("applications", "PolicyCategory")
    FactDefinition = apps.get_model("applications", "FactDefinition")
    CategoryRule = apps.get_model("applications", "CategoryRule")
    for policy_data, categories in SHIPPED:
        if Policy.objects.filter(code=policy_data["code"]).exists():
            continue
        policy = Policy.objects.create(**policy_data)
        for category_order, data in enumerate(categories, start=1):
            category = PolicyCategory.objects.create(
                policy=policy, code=data["code"], name=data["name"], order=category_order, description=data["description"]
            )
            FactDefinition.objects.bulk_create(
                FactDefinition(
                    category=category,
                    code=code,
                    label=fact["label"],
                    kind=fact["kind"],
                    choices=fact.get("choices", []),
                    help_text=fact["help_text"],
                    order=fact_order,
                )
                for fact_order, (code, fact) in enumerate(data["facts"].items(), start=1)
            )
            CategoryRule.objects.bulk_create(
                CategoryRule(
                    category=category,
                    code=rule["code"],
                    name=rule["name"],
                    kind=rule["kind"],
                    params=rule["params"],
                    payee=rule.get("payee", "applicant"),
                    evidence=rule["evidence"],
                    clause=rule["clause"],
                    order=rule_order,
                    version=1,
                    effective_from=policy.valid_from,
                )
                for rule_order, rule in enumerate(data["rules"], start=1)
            )


def remove_policies(apps, schema_editor):
    Policy = apps.get_model("applications", "Policy")
    CategoryRule = apps.get_model("applications", "CategoryRule")
    codes = [policy_data["code"] for policy_data, _categories in SHIPPED]
    rules = CategoryRule.objects.filter(category__policy__code__in=codes)
    # Versions protect the version they supersede: delete the newest first.
    for version in sorted(set(rules.values_list("version", flat=True)), reverse=True):
        rules.filter(version=version).delete()
    Policy.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_policies_categories_rules")]
    operations = [migrations.RunPython(ship_policies, remove_policies)]
