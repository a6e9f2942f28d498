"""`manage.py verify_pdf FILE [--roots DIR]`: the signatures of a PDF, checked against
the trust roots (settings.SIGNING_TRUST_ROOTS_DIR unless --roots is given).

Exit status: 0 when the file is signed and every signature is valid, the last covering
the whole file; 1 when it is not (unsigned included); 2 on bad input (missing file,
not a PDF).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hr_system import signing
from hr_system.uploads import UploadRejected, read_path

OVERALL = {
    "valid": "Tệp có chữ ký số hợp lệ",
    "unsigned": "Tệp chưa được ký số",
}


class Command(BaseCommand):
    help = "Verify the digital signatures of a PDF file against the configured trust roots."

    def add_arguments(self, parser):
        parser.add_argument("file", help="PDF file to check.")
        parser.add_argument("--roots", help="Directory of trusted CA certificates (default: SIGNING_TRUST_ROOTS_DIR).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        roots = Path(options["roots"]) if options["roots"] else Path(settings.SIGNING_TRUST_ROOTS_DIR)
        if options["roots"] and not roots.is_dir():
            raise CommandError(f"Không tìm thấy thư mục chứng thư gốc: {roots} (no such directory)", returncode=2)
        try:
            data = read_path(path)
        except FileNotFoundError:
            raise CommandError(f"Không tìm thấy tệp: {path} (no such file)", returncode=2) from None
        except (IsADirectoryError, PermissionError):
            raise CommandError(f"Không đọc được tệp: {path}", returncode=2) from None
        except UploadRejected as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            checks = signing.verify_pdf(data, roots_dir=roots)
        except signing.SigningError as exc:
            raise CommandError(f"{exc.message} ({exc.code})", returncode=2) from None

        self.stdout.write(f"Tệp: {path}")
        for number, check in enumerate(checks, start=1):
            self.stdout.write(f"\nChữ ký {number} (trường {check.field_name}):")
            self.stdout.write(f"  Trạng thái: {signing.STATUS_LABELS[check.status]} ({check.status})")
            self.stdout.write(f"  Người ký: {check.signer_name}")
            self.stdout.write(f"  Chứng thư: {check.signer_subject}")
            self.stdout.write(f"  Thời gian ký: {check.signed_at_local or 'không rõ'}")
            self.stdout.write(f"  Dấu thời gian (TSA): {'có' if check.timestamped else 'không'}")
            self.stdout.write(f"  Chuỗi chứng thư: {' → '.join(check.chain)}")
            self.stdout.write(f"  Phủ toàn bộ tệp: {'có' if check.covers_whole_file else 'không'}")
            self.stdout.write(f"  {check.message}")
        overall = signing.overall_status(checks)
        label = OVERALL.get(overall) or f"Tệp KHÔNG hợp lệ: {signing.STATUS_LABELS[overall]}"
        self.stdout.write(f"\nKết luận: {label} ({overall})")
        if overall != "valid":
            raise SystemExit(1)
