"""[F] figures: 20,000-row roster import on SQLite; employee-list PDF for 300 people."""

from __future__ import annotations

import io
import random

from bench.common import report, setup_django, timer


def generated_roster(rows: int, unit_codes: list[str]) -> bytes:
    rng = random.Random(7)
    out = io.StringIO()
    out.write("Mã chấm công,Họ và tên,Ngày sinh,Giới tính,Loại,Chức vụ,Mã đơn vị,Ngày vào ngành,Khoảng cách (km)\n")
    for i in range(rows):
        out.write(
            f"{100000 + i},Nguyễn Văn Thành {i},{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1965, 2000)},"
            f"{rng.choice(['Nam', 'Nữ'])},Công chức,Chuyên viên,{rng.choice(unit_codes)},01/09/2010,{rng.randint(1, 50)}\n"
        )
    return out.getvalue().encode()


def main() -> None:
    setup_django()
    from hr_system import actions, pdf, reports
    from hr_system.models import Employee, OrgUnit

    root = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE)
    codes = []
    for i in range(40):
        codes.append(OrgUnit.add(code=f"U{i}", name=f"Xã số {i}", kind=OrgUnit.Kind.COMMUNE, parent=root).code)
    data = generated_roster(20_000, codes)
    with timer() as t:
        result = actions.import_employees(acting_user=None, data=data, filename="roster.csv")
    assert result.created == 20_000 and result.written
    report("roster import, 20,000 rows (CSV, SQLite)", t["seconds"], "s", "<= 10 s", t["seconds"] <= 10)
    with timer() as t:
        again = actions.import_employees(acting_user=None, data=data, filename="roster.csv")
    assert again.updated == 20_000
    report("roster re-import, 20,000 rows as updates", t["seconds"], "s", "<= 10 s", t["seconds"] <= 10)

    unit = OrgUnit.add(
        code="BIG", name="Ủy ban nhân dân phường Mộc Châu", kind=OrgUnit.Kind.PEOPLES_COMMITTEE, parent=root
    )
    Employee.objects.bulk_create(
        Employee(code=str(900000 + i), full_name=f"Lò Thị Hường {i}", unit=unit, category="civil_servant")
        for i in range(300)
    )
    with timer() as t:
        content = pdf.render_pdf(
            "pdf/employee_list.html",
            {
                "agency": unit.issuing_agency(),
                "doc_symbol": "DS-UBND",
                "place": "Mộc Châu",
                "doc_type": "DANH SÁCH",
                "doc_summary": "Cán bộ, công chức",
                "rows": reports.employee_rows(Employee.objects.filter(unit=unit)),
            },
        )
    report(
        "employee-list PDF, 300 people", t["seconds"], "s", "<= 5 s", t["seconds"] <= 5, f"{len(content) // 1024} KiB"
    )


if __name__ == "__main__":
    main()
