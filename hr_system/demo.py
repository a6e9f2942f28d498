"""Deterministic demo organisation and roster for the Mộc Châu area of Sơn La.

Units follow Resolution 1681/NQ-UBTVQH15 (Sơn La, from 1 July 2025; reference
vietnam-rules.md §7): wards Mộc Châu, Mộc Sơn, Vân Sơn, Thảo Nguyên and communes
Đoàn Kết, Lóng Sập, Chiềng Sơn, with the former Mộc Châu town and three of its old
communes kept as history. Names are generated, not real people.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from hr_system.models import Employee, OrgUnit, OrgUnitSuccession, Role

REFORM_DAY = dt.date(2025, 7, 1)
RESOLUTION = "1681/NQ-UBTVQH15"

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hà",
    "Lò",
    "Cầm",
    "Quàng",
    "Tòng",
    "Lường",
    "Sồng",
    "Giàng",
    "Mùa",
    "Đinh",
    "Lưu",
]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Minh", "Diệu", "Thùy"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đức",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Mạnh",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Vinh",
    "Chiến",
    "Pó",
]
GIVEN_F = [
    "Anh",
    "Bích",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hiền",
    "Hoa",
    "Hương",
    "Lan",
    "Liên",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Thảo",
    "Trang",
    "Yến",
]

# Current ward/commune: (code suffix, name, kind, place)
LOCALITIES = [
    ("MOCCHAU", "Mộc Châu", OrgUnit.Kind.WARD),
    ("MOCSON", "Mộc Sơn", OrgUnit.Kind.WARD),
    ("VANSON", "Vân Sơn", OrgUnit.Kind.WARD),
    ("THAONGUYEN", "Thảo Nguyên", OrgUnit.Kind.WARD),
    ("DOANKET", "Đoàn Kết", OrgUnit.Kind.COMMUNE),
    ("LONGSAP", "Lóng Sập", OrgUnit.Kind.COMMUNE),
    ("CHIENGSON", "Chiềng Sơn", OrgUnit.Kind.COMMUNE),
]
# Former communes of Mộc Châu town merged on 1 July 2025 (reference §7).
FORMER_COMMUNES = [
    ("CHIENGCHUNG", "Chiềng Chung", "DOANKET"),
    ("DOANKET-OLD", "Đoàn Kết (cũ)", "DOANKET"),
    ("CHIENGKHUA", "Chiềng Khừa", "LONGSAP"),
    ("LONGSAP-OLD", "Lóng Sập (cũ)", "LONGSAP"),
    ("CHIENGXUAN", "Chiềng Xuân", "CHIENGSON"),
    ("CHIENGSON-OLD", "Chiềng Sơn (cũ)", "CHIENGSON"),
]

DEMO_PASSWORD = "MocChau@2026"


def _unit(code: str, name: str, kind: str, parent: OrgUnit | None, **extra) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        unit = OrgUnit.add(code=code, name=name, kind=kind, parent=parent, **extra)
    return unit


def build_units() -> dict[str, OrgUnit]:
    """Create (or find) the demo tree; returns units by code."""
    units: dict[str, OrgUnit] = {}
    province = _unit(
        "SL", "Tỉnh Sơn La", OrgUnit.Kind.PROVINCE, None, admin_code="14", place_name="Sơn La", doc_symbol="UBND"
    )
    units["SL"] = province
    units["SL-SNV"] = _unit(
        "SL-SNV", "Sở Nội vụ tỉnh Sơn La", OrgUnit.Kind.DEPARTMENT, province, place_name="Sơn La", doc_symbol="SNV"
    )
    units["SL-SGD"] = _unit(
        "SL-SGD",
        "Sở Giáo dục và Đào tạo tỉnh Sơn La",
        OrgUnit.Kind.DEPARTMENT,
        province,
        place_name="Sơn La",
        doc_symbol="SGDĐT",
    )
    for suffix, name, kind in LOCALITIES:
        prefix = "Phường" if kind == OrgUnit.Kind.WARD else "Xã"
        loc = _unit(
            f"{'P' if kind == OrgUnit.Kind.WARD else 'X'}-{suffix}",
            f"{prefix} {name}",
            kind,
            province,
            valid_from=REFORM_DAY,
            place_name=name,
            doc_symbol="UBND",
        )
        units[suffix] = loc
        lower = prefix.lower()
        units[f"{suffix}-DU"] = _unit(
            f"{loc.code}-DU",
            f"Đảng ủy {lower} {name}",
            OrgUnit.Kind.PARTY_COMMITTEE,
            loc,
            valid_from=REFORM_DAY,
            place_name=name,
            doc_symbol="ĐU",
        )
        units[f"{suffix}-HD"] = _unit(
            f"{loc.code}-HD",
            f"Hội đồng nhân dân {lower} {name}",
            OrgUnit.Kind.PEOPLES_COUNCIL,
            loc,
            valid_from=REFORM_DAY,
            place_name=name,
            doc_symbol="HĐND",
        )
        ub = _unit(
            f"{loc.code}-UB",
            f"Ủy ban nhân dân {lower} {name}",
            OrgUnit.Kind.PEOPLES_COMMITTEE,
            loc,
            valid_from=REFORM_DAY,
            place_name=name,
            doc_symbol="UBND",
        )
        units[f"{suffix}-UB"] = ub
        units[f"{suffix}-VP"] = _unit(
            f"{loc.code}-VP",
            f"Văn phòng HĐND và UBND {lower} {name}",
            OrgUnit.Kind.DEPARTMENT,
            ub,
            valid_from=REFORM_DAY,
            place_name=name,
            doc_symbol="VP",
        )
        units[f"{suffix}-KT"] = _unit(
            f"{loc.code}-KT",
            f"Phòng Kinh tế {lower} {name}",
            OrgUnit.Kind.DEPARTMENT,
            ub,
            valid_from=REFORM_DAY,
            place_name=name,
            doc_symbol="KT",
        )
        units[f"{suffix}-VHXH"] = _unit(
            f"{loc.code}-VHXH",
            f"Phòng Văn hóa - Xã hội {lower} {name}",
            OrgUnit.Kind.DEPARTMENT,
            ub,
            valid_from=REFORM_DAY,
            place_name=name,
            doc_symbol="VHXH",
        )
        units[f"{suffix}-TH"] = _unit(
            f"{loc.code}-TH",
            f"Trường Tiểu học {name}",
            OrgUnit.Kind.PUBLIC_SERVICE_UNIT,
            loc,
            place_name=name,
            doc_symbol="TH",
        )
        if kind == OrgUnit.Kind.WARD:
            units[f"{suffix}-THCS"] = _unit(
                f"{loc.code}-THCS",
                f"Trường THCS {name}",
                OrgUnit.Kind.PUBLIC_SERVICE_UNIT,
                loc,
                place_name=name,
                doc_symbol="THCS",
            )
        units[f"{suffix}-TYT"] = _unit(
            f"{loc.code}-TYT",
            f"Trạm Y tế {lower} {name}",
            OrgUnit.Kind.PUBLIC_SERVICE_UNIT,
            loc,
            place_name=name,
            doc_symbol="TYT",
        )

    # History: the former town of Mộc Châu and some of its communes (ended 30 June 2025).
    ended = REFORM_DAY - dt.timedelta(days=1)
    town = _unit(
        "TX-MOCCHAU",
        "Thị xã Mộc Châu (cũ)",
        OrgUnit.Kind.FORMER_DISTRICT,
        province,
        valid_to=ended,
        place_name="Mộc Châu",
        doc_symbol="UBND",
    )
    units["TX"] = town
    units["TX-TU"] = _unit("TX-MOCCHAU-TU", "Thị ủy Mộc Châu (cũ)", OrgUnit.Kind.PARTY_COMMITTEE, town, valid_to=ended)
    units["TX-HD"] = _unit(
        "TX-MOCCHAU-HD", "HĐND thị xã Mộc Châu (cũ)", OrgUnit.Kind.PEOPLES_COUNCIL, town, valid_to=ended
    )
    txub = _unit("TX-MOCCHAU-UB", "UBND thị xã Mộc Châu (cũ)", OrgUnit.Kind.PEOPLES_COMMITTEE, town, valid_to=ended)
    units["TX-UB"] = txub
    units["TX-NV"] = _unit(
        "TX-MOCCHAU-NV", "Phòng Nội vụ thị xã Mộc Châu (cũ)", OrgUnit.Kind.DEPARTMENT, txub, valid_to=ended
    )
    for code, name, successor in FORMER_COMMUNES:
        old = _unit(f"XC-{code}", f"Xã {name}", OrgUnit.Kind.COMMUNE, town, valid_to=ended)
        units[f"XC-{code}"] = old
        OrgUnitSuccession.objects.get_or_create(
            predecessor=old,
            successor=units[successor],
            defaults={"effective_date": REFORM_DAY, "resolution": RESOLUTION},
        )
    OrgUnitSuccession.objects.get_or_create(
        predecessor=units["TX-NV"],
        successor=units["SL-SNV"],
        defaults={"effective_date": REFORM_DAY, "resolution": RESOLUTION},
    )
    return units


# (unit key suffix, how many, category, job titles, rank)
STAFFING = [
    (
        "DU",
        3,
        Employee.Category.CADRE,
        ["Bí thư Đảng ủy", "Phó Bí thư Đảng ủy", "Chuyên viên Văn phòng Đảng ủy"],
        "Chuyên viên",
    ),
    ("HD", 2, Employee.Category.CADRE, ["Chủ tịch HĐND", "Phó Chủ tịch HĐND"], "Chuyên viên chính"),
    (
        "UB",
        3,
        Employee.Category.CADRE,
        ["Chủ tịch UBND", "Phó Chủ tịch UBND", "Phó Chủ tịch UBND"],
        "Chuyên viên chính",
    ),
    (
        "VP",
        5,
        Employee.Category.CIVIL_SERVANT,
        ["Chánh Văn phòng", "Chuyên viên", "Kế toán", "Văn thư", "Chuyên viên"],
        "Chuyên viên",
    ),
    (
        "KT",
        5,
        Employee.Category.CIVIL_SERVANT,
        ["Trưởng phòng", "Chuyên viên địa chính", "Chuyên viên địa chính", "Chuyên viên", "Kế toán"],
        "Chuyên viên",
    ),
    (
        "VHXH",
        4,
        Employee.Category.CIVIL_SERVANT,
        ["Trưởng phòng", "Chuyên viên nội vụ", "Chuyên viên", "Chuyên viên"],
        "Chuyên viên",
    ),
    (
        "TH",
        12,
        Employee.Category.PUBLIC_EMPLOYEE,
        ["Hiệu trưởng", "Phó Hiệu trưởng"] + ["Giáo viên tiểu học"] * 10,
        "Giáo viên tiểu học hạng III",
    ),
    (
        "THCS",
        12,
        Employee.Category.PUBLIC_EMPLOYEE,
        ["Hiệu trưởng", "Phó Hiệu trưởng"] + ["Giáo viên THCS"] * 10,
        "Giáo viên THCS hạng III",
    ),
    ("TYT", 4, Employee.Category.PUBLIC_EMPLOYEE, ["Trạm trưởng", "Bác sĩ", "Y sĩ", "Điều dưỡng"], "Y sĩ hạng IV"),
]
CONTRACT_TITLES = ["Bảo vệ", "Lái xe", "Tạp vụ"]


def _name(rng: random.Random, gender: str) -> str:
    female = gender == Employee.Gender.FEMALE
    return " ".join(
        [rng.choice(SURNAMES), rng.choice(MIDDLE_F if female else MIDDLE_M), rng.choice(GIVEN_F if female else GIVEN_M)]
    )


def build_employees(units: dict[str, OrgUnit], seed: int = 2026) -> int:
    """Create the roster with fixed codes from a fixed seed; re-running updates in place."""
    rng = random.Random(seed)
    code = 1000
    rows: list[Employee] = []
    communes = [name for _, name, _ in LOCALITIES]
    for suffix, _, _ in LOCALITIES:
        for unit_key, count, category, titles, rank in STAFFING:
            unit = units.get(f"{suffix}-{unit_key}")
            if unit is None:
                continue
            for i in range(count):
                code += 1
                gender = rng.choice([Employee.Gender.MALE, Employee.Gender.FEMALE])
                birth = dt.date(rng.randint(1966, 2000), rng.randint(1, 12), rng.randint(1, 28))
                sector_start = dt.date(max(birth.year + 22, 1990) + rng.randint(0, 6), rng.choice([8, 9, 10]), 1)
                sector_start = min(sector_start, dt.date(2024, 9, 1))
                rows.append(
                    Employee(
                        code=str(code),
                        full_name=_name(rng, gender),
                        date_of_birth=birth,
                        gender=gender,
                        category=category,
                        job_title=titles[i % len(titles)],
                        rank=rank,
                        unit=unit,
                        sector_start=sector_start,
                        unit_start=max(
                            sector_start,
                            dt.date(2025, 7, 1) if unit_key in ("DU", "HD", "UB", "VP", "KT", "VHXH") else sector_start,
                        ),
                        hardship_years=Decimal(rng.choice([0, 0, 1, 2, 3, 5, 8])),
                        home_commune=rng.choice(communes),
                        distance_km=Decimal(rng.randint(1, 60)),
                        start_date=sector_start,
                    )
                )
        for title in CONTRACT_TITLES[: 2 if suffix in ("MOCCHAU", "MOCSON") else 1]:
            code += 1
            gender = rng.choice([Employee.Gender.MALE, Employee.Gender.FEMALE])
            rows.append(
                Employee(
                    code=str(code),
                    full_name=_name(rng, gender),
                    date_of_birth=dt.date(rng.randint(1970, 1995), 6, 1),
                    gender=gender,
                    category=Employee.Category.CONTRACT_WORKER,
                    job_title=title,
                    rank="",
                    unit=units[f"{suffix}-VP"],
                    start_date=dt.date(2020, 1, 1),
                    home_commune=rng.choice(communes),
                    distance_km=Decimal(rng.randint(1, 15)),
                )
            )
    existing = set(Employee.objects.filter(code__in=[e.code for e in rows]).values_list("code", flat=True))
    Employee.objects.bulk_create([e for e in rows if e.code not in existing])
    return len(rows)


DEMO_ACCOUNTS = [
    # username, full name, role kind, scope unit key, linked employee code
    ("admin", "Quản trị hệ thống", Role.Kind.ADMIN, None, None),
    ("noivu.mocchau", "Cán bộ nội vụ phường Mộc Châu", Role.Kind.HR_OFFICER, "MOCCHAU", "1020"),
    ("noivu.doanket", "Cán bộ nội vụ xã Đoàn Kết", Role.Kind.HR_OFFICER, "DOANKET", None),
    ("noivu.tinh", "Sở Nội vụ tỉnh Sơn La", Role.Kind.HR_OFFICER, "SL", None),
    ("hieutruong.mocchau", "Hiệu trưởng Trường Tiểu học Mộc Châu", Role.Kind.UNIT_HEAD, "MOCCHAU-TH", "1023"),
    ("hoidongthi", "Hội đồng thi tỉnh", Role.Kind.EXAM_BOARD, "SL", None),
    ("giaovien", "Giáo viên (tài khoản cán bộ)", Role.Kind.EMPLOYEE, None, "1025"),
]


def build_accounts(units: dict[str, OrgUnit]) -> list[tuple[str, str, str]]:
    User = get_user_model()
    out = []
    for username, label, kind, unit_key, employee_code in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": label})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = kind == Role.Kind.ADMIN
            user.is_superuser = kind == Role.Kind.ADMIN
            user.save()
        if kind not in (Role.Kind.EMPLOYEE,):
            Role.objects.get_or_create(user=user, kind=kind, unit=units[unit_key] if unit_key else None)
        if employee_code:
            Employee.objects.filter(code=employee_code, user__isnull=True).update(user=user)
        out.append((username, DEMO_PASSWORD, label))
    return out


@transaction.atomic
def seed() -> dict:
    units = build_units()
    count = build_employees(units)
    accounts = build_accounts(units)
    return {"units": OrgUnit.objects.count(), "employees": count, "accounts": accounts}
