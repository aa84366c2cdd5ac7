"""Seed the per-學年度 rule sets (RULES.md §3, §10) and the editable code lists (§2.2, §2.5)."""

from django.db import migrations

RULE_SETS = [
    # Before 109學年度 semester 1: 2 MB documents / 5 MB media (S-APPLE2020, S-108EPO).
    {"school_year": 108, "document_max_bytes": 2_000_000, "media_max_bytes": 5_000_000,
     "source": "RULES.md §10 (historic, before 109-1): S-APPLE2020, S-108EPO"},
    # From 109學年度: 4 MB / 10 MB (S-YPHS, S-APPLE2020); caps 6 / 10 per year (§3).
    {"school_year": 109, "document_max_bytes": 4_000_000, "media_max_bytes": 10_000_000,
     "source": "RULES.md §10: S-YPHS, S-APPLE2020; §3 caps: S-FGEC, deck"},
]

CODES = {
    "competition_level": [("1", "校級"), ("2", "縣市"), ("3", "全國"), ("4", "國際")],
    "participation": [("1", "個人"), ("2", "團體")],
    "certificate_type": [("1", "技術士證照"), ("2", "語文檢定"), ("3", "資訊檢定"), ("9", "其他")],
    "flexible_learning": [("1", "自主學習"), ("2", "選手培訓"), ("3", "充實（增廣）／補強性教學"),
                          ("4", "學校特色活動")],
    "group_activity": [("1", "班級活動"), ("2", "社團活動"), ("3", "學生自治會活動"),
                       ("4", "學生服務學習活動"), ("5", "週會或講座")],
    "workplace_learning": [("1", "校外實習"), ("2", "職場體驗"), ("9", "其他")],
    "cadre_level": [("1", "校級"), ("2", "班級"), ("3", "社團")],
}


def seed(apps, schema_editor):
    RuleSet = apps.get_model("portfolios", "RuleSet")
    Code = apps.get_model("portfolios", "Code")
    for values in RULE_SETS:
        RuleSet.objects.update_or_create(school_year=values["school_year"], defaults=values)
    for list_name, pairs in CODES.items():
        for order, (code, label) in enumerate(pairs):
            Code.objects.update_or_create(
                list=list_name, code=code, defaults={"label": label, "sort_order": order}
            )


def unseed(apps, schema_editor):
    apps.get_model("portfolios", "RuleSet").objects.filter(
        school_year__in=[r["school_year"] for r in RULE_SETS]
    ).delete()
    apps.get_model("portfolios", "Code").objects.filter(list__in=list(CODES)).delete()


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
