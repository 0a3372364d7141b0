"""The performance-target table of the 2024 Inner Mongolia guide (附2), exactly: 23 indicators in order."""

from django.db import migrations

TEMPLATE_NAME = "附2 数字化转型绩效评价目标表（2024）"
KEY, OUTCOME, SERVICE = "关键指标", "总体成效", "服务质量"
INDICATORS = [
    (KEY, "企业集聚", "规上制造业企业", "家"),
    (KEY, "企业集聚", "规下制造业企业", "家"),
    (KEY, "企业集聚", "自治区级“专精特新”企业", "家"),
    (KEY, "企业集聚", "国家级“专精特新”企业", "家"),
    (KEY, "企业集聚", "专精特新“小巨人”企业", "家"),
    (KEY, "平台建设", "企业级工业互联网平台", "个"),
    (KEY, "平台建设", "行业级工业互联网平台", "个"),
    (KEY, "平台建设", "区域级工业互联网平台", "个"),
    (KEY, "平台建设", "国家双跨平台", "个"),
    (KEY, "标杆树立", "自治区数字化转型示范标杆企业", "家"),
    (KEY, "标杆树立", "国家级标杆企业", "家"),
    (KEY, "上云用数赋智", "企业上云率", "%"),
    (KEY, "上云用数赋智", "数字车间", "个"),
    (KEY, "上云用数赋智", "智能工厂", "个"),
    (KEY, "服务商引育", "引进平台服务商", "家"),
    (KEY, "服务商引育", "培育平台服务商", "家"),
    (OUTCOME, "数字化改造", "改造规上企业数量", "家"),
    (OUTCOME, "数字化改造", "改造规下企业数量", "家"),
    (OUTCOME, "两化融合", "两化融合贯标企业数量", "家"),
    (OUTCOME, "应用场景", "应用场景类型", "个"),
    (OUTCOME, "应用场景", "应用场景数量", "个"),
    (SERVICE, "企业满意度", "试点企业总体满意度", "%"),
    (SERVICE, "培训覆盖率", "培训的覆盖率", "%"),
]


def ship_template(apps, schema_editor):
    TargetTemplate = apps.get_model("pilots", "TargetTemplate")
    Indicator = apps.get_model("pilots", "Indicator")
    template, created = TargetTemplate.objects.get_or_create(name=TEMPLATE_NAME)
    if not created:
        return
    Indicator.objects.bulk_create(
        Indicator(
            template=template,
            order=order,
            level1=level1,
            level2=level2,
            name=name,
            unit=unit,
            kind="percent" if unit == "%" else "count",
            is_key=level1 == KEY,
            counts_as_retrofit=level2 == "数字化改造",
        )
        for order, (level1, level2, name, unit) in enumerate(INDICATORS, start=1)
    )


def remove_template(apps, schema_editor):
    apps.get_model("pilots", "TargetTemplate").objects.filter(name=TEMPLATE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("pilots", "0001_initial")]
    operations = [migrations.RunPython(ship_template, remove_template)]
