"""Every question category gets an owning unit (issue 12, item 1).

Categories without a unit were the province's shared bank, readable and correctable by
any manager anywhere. They now belong to a root of the org tree:

- one root (the usual case: the province) → that root owns them all;
- several roots → the root under which the exams using the category were organised
  (the root with the most blueprint rules drawing from it), else the first current root
  by path.

The next migration then makes the unit required. Reversing keeps the owners.
"""

from collections import Counter

from django.db import migrations


def _root_path(path: str) -> str:
    """The path of the root above a materialised path: /000002/000003/ → /000002/."""
    return "/" + path.strip("/").split("/")[0] + "/"


def assign_owners(apps, schema_editor):
    Category = apps.get_model("assessments", "Category")
    BlueprintRule = apps.get_model("assessments", "BlueprintRule")
    OrgUnit = apps.get_model("hr_system", "OrgUnit")
    orphans = list(Category.objects.filter(unit__isnull=True).order_by("pk"))
    if not orphans:
        return
    roots = sorted(OrgUnit.objects.filter(parent__isnull=True), key=lambda u: (u.valid_to is not None, u.path, u.pk))
    if not roots:
        raise RuntimeError(
            "Question categories without a unit exist but the org tree is empty: "
            "import the org units (at least the province) and migrate again."
        )
    by_path = {root.path: root for root in roots}
    for category in orphans:
        owner = roots[0]
        if len(roots) > 1:
            paths = BlueprintRule.objects.filter(category=category).values_list("part__exam__unit__path", flat=True)
            used_under = Counter(_root_path(path) for path in paths if path)
            ranked = sorted(used_under.items(), key=lambda kv: (-kv[1], kv[0]))
            owner = next((by_path[path] for path, _n in ranked if path in by_path), owner)
        Category.objects.filter(pk=category.pk).update(unit=owner)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_exam_models_verbose_names"),
        ("hr_system", "0001_initial"),
    ]

    operations = [migrations.RunPython(assign_owners, migrations.RunPython.noop)]
