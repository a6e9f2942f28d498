"""Issue 14 (item 10): decisions cite the regulations in force on their own date.

Rounds created with the old built-in "Căn cứ" lines (which named Luật Viên chức
58/2010 for ever) get an empty list, meaning "the texts in force on the decision's
date" (transfers.reports.legal_bases); lines HR typed themselves are kept. The default
criteria template no longer cites another province's rules as its source: the source
is the unit's own quy chế, entered when a unit adopts the set.
"""

from django.db import migrations

OLD_BASES = [
    "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15;",
    "Căn cứ Luật Viên chức số 58/2010/QH12, được sửa đổi, bổ sung bởi Luật số 52/2019/QH14;",
    "Căn cứ Luật Nhà giáo số 73/2025/QH15;",
    "Căn cứ Nghị định số 115/2020/NĐ-CP của Chính phủ quy định về tuyển dụng, sử dụng và quản lý viên chức, "
    "được sửa đổi, bổ sung bởi Nghị định số 85/2023/NĐ-CP;",
]
OLD_ROTATION = OLD_BASES + [
    "Căn cứ Nghị định số 59/2019/NĐ-CP của Chính phủ quy định chi tiết một số điều và biện pháp thi hành "
    "Luật Phòng, chống tham nhũng;"
]
OLD_SOURCE = (
    "tổng hợp từ thực tiễn đã công bố: Công văn 362/PGDĐT Phú Lộc (2014), quy chế điều động giáo viên "
    "tỉnh Quảng Trị, quy định thuyên chuyển tỉnh Quảng Ngãi; điểm ưu tiên vận dụng Nghị định 115/2020/NĐ-CP, Điều 6"
)


def forwards(apps, schema_editor):
    TransferRound = apps.get_model("transfers", "TransferRound")
    CriteriaSet = apps.get_model("transfers", "CriteriaSet")
    for transfer_round in TransferRound.objects.only("pk", "legal_bases"):
        if transfer_round.legal_bases in (OLD_BASES, OLD_ROTATION):
            TransferRound.objects.filter(pk=transfer_round.pk).update(legal_bases=[])
    CriteriaSet.objects.filter(is_default_template=True, source=OLD_SOURCE).update(source="")


class Migration(migrations.Migration):
    dependencies = [("transfers", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
