"""hr_system's entries in the register of processing of personal data (the page
/privacy/register/, hr_system.personal_data.declarations).

Sources, with how sure each is (tags as in reference/records-exams-privacy-2026.md):
- Law 91/2025/QH15 on Personal Data Protection, 5 chapters and 39 articles, in force
  1/1/2026: the data subject's rights, including to obtain their data, in Art. 4
  [S: Lào Cai provincial legal-education portal; other secondary sources number it Art. 9,
  so the article number is NOT verified]; deletion when the purpose of processing is
  fulfilled or the retention period ends in Art. 14(1) [S: two news sites; not verified
  against the gazette text]. The article requiring a record of processing was not found.
- Decree 356/2025/NĐ-CP (31/12/2025, in force 1/1/2026, replacing Decree 13/2023):
  Art. 3 lists basic personal data (name, date of birth, gender, home town, personal
  identification number, …) and Art. 4 sensitive data (biometrics, images of identity
  cards, …) [S: thanhnien.vn 05/01/2026, atlaslaw.vn]. So the citizen-ID *number* is basic
  data, not sensitive; the product still restricts it as the issue asks.
- Retention of civil-servant records: archive law; no day count is fixed here (None).

Each entry: key, category, sensitive, fields ("app_label.Model.field"), purpose,
legal_basis, retention, who_can_see, retention_days (None: no fixed number of days).
"""

from django.utils.translation import gettext_lazy as _

CIVIL_SERVICE_BASIS = _(
    "Thực hiện nhiệm vụ quản lý cán bộ, công chức, viên chức của cơ quan nhà nước theo Luật Cán bộ, công chức "
    "và Luật Viên chức; Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15 (trường hợp xử lý không cần sự đồng ý — "
    "điều khoản chưa đối chiếu văn bản gốc)"
)

DECLARATIONS = [
    {
        "key": "hr.identity",
        "category": _("Nhân thân cán bộ: họ tên, ngày sinh, giới tính, quê quán"),
        "sensitive": False,
        "fields": [
            "hr_system.Employee.full_name",
            "hr_system.Employee.date_of_birth",
            "hr_system.Employee.gender",
            "hr_system.Employee.home_commune",
        ],
        "purpose": _("Quản lý hồ sơ, chấm công, xếp hạng điều động và văn bản chính thức"),
        "legal_basis": CIVIL_SERVICE_BASIS,
        "retention": _("Trong thời gian công tác; sau đó theo quy định lưu trữ hồ sơ cán bộ"),
        "who_can_see": _(
            "Họ tên: người có vai trò trong phạm vi đơn vị. Ngày sinh: chính người đó và Phòng Nội vụ trong "
            "phạm vi (danh sách, xuất Excel/PDF, API của vai trò khác không có)"
        ),
        "retention_days": None,
    },
    {
        "key": "hr.citizen_id",
        "category": _("Số định danh cá nhân (căn cước)"),
        "sensitive": False,
        "fields": ["hr_system.Employee.citizen_id"],
        "purpose": _("Đối chiếu danh tính khi nhập danh sách và khi vào phòng thi"),
        "legal_basis": CIVIL_SERVICE_BASIS,
        "retention": _("Trong thời gian công tác; thí sinh tuyển dụng không trúng tuyển: xóa sau hạn của kỳ thi"),
        "who_can_see": _(
            "Chính người đó; Phòng Nội vụ trong phạm vi; giám thị của ca thi có tên người đó. Không bao giờ có "
            "trong danh sách, API danh sách hay nhật ký"
        ),
        "retention_days": None,
    },
    {
        "key": "hr.employment",
        "category": _("Quá trình công tác: chức vụ, ngạch bậc, thâm niên, khoảng cách đến nơi làm việc"),
        "sensitive": False,
        "fields": [
            "hr_system.Employee.job_title",
            "hr_system.Employee.rank",
            "hr_system.Employee.sector_start",
            "hr_system.Employee.unit_start",
            "hr_system.Employee.hardship_years",
            "hr_system.Employee.distance_km",
            "hr_system.Employee.start_date",
            "hr_system.Employee.leave_date",
        ],
        "purpose": _("Quản lý cán bộ, tính điểm điều động, luân chuyển"),
        "legal_basis": CIVIL_SERVICE_BASIS,
        "retention": _("Trong thời gian công tác; sau đó theo quy định lưu trữ hồ sơ cán bộ"),
        "who_can_see": _("Chính người đó; Phòng Nội vụ, thủ trưởng đơn vị và hội đồng trong phạm vi"),
        "retention_days": None,
    },
    {
        "key": "hr.accounts",
        "category": _("Tài khoản đăng nhập: tên đăng nhập, họ tên, thư điện tử, vai trò"),
        "sensitive": False,
        "fields": [
            "auth.User.username",
            "auth.User.first_name",
            "auth.User.last_name",
            "auth.User.email",
            "auth.User.last_login",
            "hr_system.Role.kind",
            "hr_system.ApiToken.name",
        ],
        "purpose": _("Xác thực người dùng và phân quyền theo đơn vị"),
        "legal_basis": _("Bảo đảm an toàn hệ thống thông tin của cơ quan nhà nước"),
        "retention": _("Đến khi tài khoản bị xóa; mã API chỉ lưu mã băm"),
        "who_can_see": _("Chính người đó; Phòng Nội vụ trong phạm vi; quản trị hệ thống"),
        "retention_days": None,
    },
    {
        "key": "hr.audit",
        "category": _("Nhật ký thao tác: ai làm gì, lúc nào, trên hồ sơ nào"),
        "sensitive": False,
        "fields": [
            "hr_system.AuditLog.user",
            "hr_system.AuditLog.at",
            "hr_system.AuditLog.action",
            "hr_system.AuditLog.object_id",
            "hr_system.AuditLog.detail",
        ],
        "purpose": _("Truy vết thay đổi, bảo đảm tính toàn vẹn của hồ sơ"),
        "legal_basis": _("Nghị định 30/2020/NĐ-CP về công tác văn thư; bảo đảm an toàn hệ thống thông tin"),
        "retention": _("Lâu dài cùng hồ sơ; chi tiết không ghi ngày sinh, số định danh, mật khẩu"),
        "who_can_see": _("Quản trị hệ thống; chính người đó (thời điểm, thao tác, không có chi tiết)"),
        "retention_days": None,
    },
    {
        "key": "consents",
        "category": _("Sự đồng ý xử lý dữ liệu cá nhân"),
        "sensitive": False,
        "fields": [
            "hr_system.Consent.purpose",
            "hr_system.Consent.given_at",
            "hr_system.Consent.evidence",
            "hr_system.Consent.withdrawn_at",
        ],
        "purpose": _(
            "Ghi nhận cán bộ đồng ý (hoặc rút lại sự đồng ý) cho từng mục đích xử lý dữ liệu, "
            "như chấm công bằng vân tay, để chứng minh căn cứ xử lý."
        ),
        "legal_basis": _(
            "Quyền đồng ý, không đồng ý và rút lại sự đồng ý của chủ thể dữ liệu "
            "(Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, Điều 4)."
        ),
        "retention": _("Giữ cùng hồ sơ cán bộ; sự đồng ý đã rút lại vẫn được giữ để chứng minh thời điểm rút."),
        "who_can_see": _("Cán bộ Phòng Nội vụ trong phạm vi đơn vị quản lý, và chính cán bộ đó."),
        "retention_days": None,
    },
]
