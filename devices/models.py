"""Time clocks, the raw punches they record, and the runs that fetch them."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.timezone import now as tz_now
from django.utils.translation import gettext_lazy as _

from devices import records, template_crypto
from devices.health import Health, evaluate
from hr_system import chain
from hr_system.models import Consent, Employee, OrgUnit

# Real serials look like "CDQ9201960001"; the narrow alphabet keeps junk requests and
# typing mistakes from registering clocks with names nobody can read or type.
SERIAL_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def validate_host(value: str) -> None:
    """An IP address or a DNS hostname; nothing else (hosts never reach a shell)."""
    try:
        ipaddress.ip_address(value)
        return
    except ValueError:
        pass
    if not HOSTNAME_RE.match(value or ""):
        raise ValidationError(_("Địa chỉ máy chấm công phải là địa chỉ IP hoặc tên máy hợp lệ."))


def validate_serial(value: str) -> None:
    if not SERIAL_RE.match(value or ""):
        raise ValidationError(_("Số serial chỉ gồm chữ cái không dấu, chữ số và . _ - (tối đa 64 ký tự)."))


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Múi giờ không hợp lệ: %(tz)s"), params={"tz": value})


class DeviceQuerySet(models.QuerySet):
    def pollable(self) -> DeviceQuerySet:
        return self.filter(enabled=True, approved=True, file_source=False).exclude(transport=Device.Transport.PUSH)

    def clocks(self) -> DeviceQuerySet:
        """Real clocks: without the file-import sources, which are never online or offline."""
        return self.filter(file_source=False)


class Device(models.Model):
    class Transport(models.TextChoices):
        TCP = "tcp", "TCP"
        UDP = "udp", "UDP"
        PUSH = "push", _("ADMS/PUSH (máy tự gửi)")

    class ClockPolicy(models.TextChoices):
        MEASURE = "measure", _("Chỉ đo độ lệch")
        CORRECT = "correct", _("Tự chỉnh giờ khi lệch")

    class LogPolicy(models.TextChoices):
        KEEP = "keep", _("Không xóa dữ liệu trên máy")
        CLEAR_VERIFIED = "clear_verified", _("Xóa khi mọi bản ghi đã lưu an toàn")

    name = models.CharField(_("tên máy"), max_length=100, unique=True)
    unit = models.ForeignKey(
        OrgUnit, models.PROTECT, null=True, blank=True, related_name="devices", verbose_name=_("đơn vị")
    )
    extra_units = models.ManyToManyField(OrgUnit, blank=True, related_name="+", verbose_name=_("đơn vị dùng chung"))
    # Officials who work across offices (a district-level inspector, a shared accountant)
    # punch wherever they are: their punches count on this clock without the whole
    # subtree being put on its roster, which extra_units would do.
    accepts_subtree = models.ForeignKey(
        OrgUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nhận chấm công của mọi cơ quan thuộc"),
        help_text=_(
            "Cán bộ làm việc ở nhiều cơ quan: lượt chấm công của người thuộc đơn vị này (và các đơn vị trực thuộc) "
            "trên máy này được tính, nhưng họ không được đưa vào danh sách người dùng của máy."
        ),
    )
    host = models.CharField(_("địa chỉ"), max_length=253, blank=True, validators=[validate_host])
    port = models.PositiveIntegerField(_("cổng"), default=4370)
    transport = models.CharField(_("kết nối"), max_length=8, choices=Transport.choices, default=Transport.TCP)
    comm_key = models.PositiveIntegerField(_("mật khẩu kết nối"), default=0)
    timezone = models.CharField(_("múi giờ"), max_length=64, default="Asia/Ho_Chi_Minh", validators=[validate_timezone])
    enabled = models.BooleanField(_("đang dùng"), default=True)
    # Punches imported from a file (a clock's USB export, an older system) are stored
    # under a pseudo-device so that their key stays (device, code, local time); it is no
    # clock: never polled, never online or offline, never counted as a clock.
    file_source = models.BooleanField(
        _("nguồn nhập tệp"), default=False, help_text=_("Không phải máy chấm công: dữ liệu được nhập từ tệp")
    )
    approved = models.BooleanField(_("đã duyệt"), default=True, help_text=_("Máy ADMS lạ chờ quản trị duyệt"))
    poll_interval = models.PositiveIntegerField(_("chu kỳ đồng bộ (giây)"), default=300)
    clock_policy = models.CharField(
        _("đồng hồ"), max_length=16, choices=ClockPolicy.choices, default=ClockPolicy.MEASURE
    )
    clock_tolerance = models.PositiveIntegerField(_("độ lệch cho phép (giây)"), default=60)
    log_policy = models.CharField(
        _("dữ liệu trên máy"), max_length=16, choices=LogPolicy.choices, default=LogPolicy.KEEP
    )
    # Read from the device on first contact.
    serial_number = models.CharField(
        _("số serial"), max_length=64, null=True, blank=True, unique=True, validators=[validate_serial]
    )
    firmware = models.CharField(_("firmware"), max_length=100, blank=True)
    platform = models.CharField(_("nền tảng"), max_length=100, blank=True)
    # Health, updated by the poller / ADMS endpoint.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    clock_drift = models.IntegerField(null=True, blank=True, help_text=_("giây, máy nhanh hơn là dương"))
    user_count = models.PositiveIntegerField(null=True, blank=True)
    record_count = models.PositiveIntegerField(null=True, blank=True)
    record_capacity = models.PositiveIntegerField(null=True, blank=True)
    synced_through = models.DateTimeField(
        null=True, blank=True, help_text=_("Mọi chấm công trước thời điểm này đã được đồng bộ về")
    )
    # Scheduling and the lease that keeps two pollers off one device.
    failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(default=tz_now, db_index=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    push_stamp = models.CharField(max_length=32, blank=True, help_text="ADMS ATTLOG stamp")
    # The address an unknown ADMS clock announced itself from: new pending devices are
    # rate-limited per address (settings.ADMS_REGISTER_PER_ADDRESS).
    registered_from = models.GenericIPAddressField(_("đăng ký từ địa chỉ"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeviceQuerySet.as_manager()

    # Changing any of these is a new attempt to reach the clock: it clears the backoff.
    CONNECTION_FIELDS = frozenset({"host", "port", "transport", "comm_key", "serial_number", "enabled"})

    class Meta:
        ordering = ["name"]
        verbose_name = _("máy chấm công")
        verbose_name_plural = _("máy chấm công")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def aware(self, local: dt.datetime) -> dt.datetime:
        """The device records naive local time; interpret it in the device's zone."""
        return local.replace(tzinfo=self.tz)

    def health(self, now: dt.datetime | None = None):
        if self.file_source:
            return Health(online=False, offline_minutes=None, capacity_percent=None, drift_seconds=None)
        now = now or timezone.now()
        local = timezone.localtime(now)
        last = timezone.localtime(self.last_contact_at) if self.last_contact_at else None
        return evaluate(
            now_local=local,
            last_contact_local=last,
            poll_interval=self.poll_interval,
            record_count=self.record_count,
            record_capacity=self.record_capacity,
            drift_seconds=self.clock_drift,
            is_push=self.transport == Device.Transport.PUSH,
        )

    # How long a poller's claim on a device lasts; the poller renews it while bytes keep
    # arriving (a 20,000-record log over a GPRS-speed link takes ≈ 350 s).
    LEASE_SECONDS = 300

    def claim(self, worker: str, *, seconds: int | None = None, now: dt.datetime | None = None) -> bool:
        """Take the polling lease with one conditional UPDATE.

        Works the same on SQLite and PostgreSQL: of several pollers racing for the same
        row only one update matches, so a device is never polled twice at once.
        """
        seconds = seconds or self.LEASE_SECONDS
        now = now or timezone.now()
        taken = (
            Device.objects.filter(pk=self.pk)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_owner=worker, lease_until=now + dt.timedelta(seconds=seconds))
        )
        if taken:
            self.lease_owner, self.lease_until = worker, now + dt.timedelta(seconds=seconds)
        return bool(taken)

    def renew(self, worker: str, *, seconds: int | None = None) -> bool:
        """Extend the lease `worker` holds; False once it is no longer its (another poller
        took it after it expired), when the caller must stop touching the device."""
        until = timezone.now() + dt.timedelta(seconds=seconds or self.LEASE_SECONDS)
        renewed = Device.objects.filter(pk=self.pk, lease_owner=worker).update(lease_until=until)
        if renewed:
            self.lease_until = until
        return bool(renewed)

    def release(self, worker: str) -> None:
        Device.objects.filter(pk=self.pk, lease_owner=worker).update(lease_owner="", lease_until=None)

    def served_units(self) -> list[OrgUnit]:
        """The roots of the subtrees whose people this clock records: its unit, its
        extra units and the "any office of" subtree. A clock with none of them (an ADMS
        clock still pending) serves nobody."""
        roots = [u for u in (self.unit, self.accepts_subtree) if u is not None]
        if self.pk:
            roots += list(self.extra_units.all())
        return roots

    def served_employees(self):
        """Employees whose punches count on this clock: a code sent by a clock belongs to
        a person only if the clock serves that person's unit (codes are province-wide,
        so the same digits typed on a commune's clock must not reach another commune)."""
        paths = {u.path for u in self.served_units()}
        if not paths:
            return Employee.objects.none()
        q = Q()
        for path in sorted(paths):
            q |= Q(unit__path__startswith=path)
        return Employee.objects.filter(q)

    def clear_backoff(self, *, now: dt.datetime | None = None) -> None:
        """Forget past failures and make the clock due at once: after a corrected comm
        key or address the old backoff (up to an hour) only delays the proof it works."""
        now = now or timezone.now()
        Device.objects.filter(pk=self.pk).update(failures=0, next_poll_at=now)
        self.failures, self.next_poll_at = 0, now

    def backoff_seconds(self) -> int:
        """Exponential backoff for a failing device: interval/10 doubling, capped at 1 h."""
        if self.failures == 0:
            return self.poll_interval
        base = max(15, self.poll_interval // 10)
        return min(3600, base * 2 ** min(self.failures - 1, 10))


class Punch(models.Model):
    """One raw clock-in record, exactly as the device reported it. Never edited.

    (device, device_user_id, local_time) is the identity of a punch: the same record
    fetched again, pushed again or imported again hits the unique key and is counted
    as a duplicate, not stored twice.
    """

    class Source(models.TextChoices):
        PULL = "pull", _("Đồng bộ từ máy")
        PUSH = "push", _("Máy gửi (ADMS)")
        IMPORT = "import", _("Nhập tệp")

    # No separate FK indexes: the unique key starts with device, and (employee, timestamp)
    # serves employee lookups; every extra index slows the insert path.
    device = models.ForeignKey(Device, models.PROTECT, related_name="punches", db_index=False)
    device_user_id = models.CharField(max_length=24)
    # The device's naive local time exactly as recorded, "YYYY-MM-DD HH:MM:SS" (sorts as text).
    local_time = models.CharField(max_length=19)
    timestamp = models.DateTimeField(help_text="aware instant in the device's time zone")
    status = models.PositiveSmallIntegerField(default=0)
    punch = models.PositiveSmallIntegerField(default=0)
    verify = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=8, choices=Source.choices)
    # When the punch reached attendance: stored with its employee, or attached to them later.
    received_at = models.DateTimeField(default=tz_now)
    employee = models.ForeignKey(
        Employee, models.SET_NULL, null=True, blank=True, related_name="punches", db_index=False
    )
    # The clock's hash chain (hr_system.chain, devices.records.canonical_bytes): the
    # punch's place in its clock's chain and the link over it and everything before.
    # Set by actions.store_rows under the clock's PunchChainHead lock; a row without
    # them was not stored by the product. No index: only verify_punches reads them.
    chain_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    chain_link = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("lượt chấm công")
        verbose_name_plural = _("lượt chấm công")
        constraints = [
            models.UniqueConstraint(fields=["device", "device_user_id", "local_time"], name="punch_once"),
        ]
        # Attendance reads by (employee, time); the recompute worker finds what arrived
        # since its last round by received_at; everything else walks the unique key.
        indexes = [models.Index(fields=["employee", "timestamp"]), models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.device_user_id} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


class PunchTally(models.Model):
    """How many punches a clock has stored, by source: `/metrics` sums these few rows
    instead of counting the punch table (2 million rows in a province's year).

    `actions.store_rows` adds to it in the transaction that inserts the punches, by the
    number the database actually inserted: a duplicate never counts, a rolled-back
    batch never counts, and pollers on several machines add up in the one database.
    One row per clock and source rather than one per source: pollers own distinct
    clocks, so two of them never queue on the same row.
    """

    device = models.ForeignKey(Device, models.CASCADE, related_name="+", db_index=False)
    source = models.CharField(max_length=8, choices=Punch.Source.choices)
    stored = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("số lượt chấm công đã lưu")
        verbose_name_plural = _("số lượt chấm công đã lưu")
        constraints = [models.UniqueConstraint(fields=["device", "source"], name="punch_tally_once")]

    @classmethod
    def add(cls, *, device_id: int, source: str, count: int) -> None:
        """Add `count` to the clock's tally; call it inside the inserting transaction.

        An increment in the database (F), so concurrent writers never lose one; the row
        is created on the clock's first punches (a concurrent first writer's row wins
        and is then incremented)."""
        if count <= 0:
            return
        rows = cls.objects.filter(device_id=device_id, source=source)
        if rows.update(stored=F("stored") + count):
            return
        try:
            with transaction.atomic():
                cls.objects.create(device_id=device_id, source=source, stored=count)
        except IntegrityError:
            rows.update(stored=F("stored") + count)


class PunchChainHead(models.Model):
    """The end of one clock's punch chain: the last sequence number and link.

    `actions.store_rows` locks this row in the transaction that inserts the clock's
    punches (SELECT … FOR UPDATE on PostgreSQL; SQLite's single writer), numbers the new
    rows after it and moves it to the last one, so two writers for one clock make one
    unbroken chain. seq 0 with an empty link is a chain with no punch yet."""

    device = models.OneToOneField(Device, models.CASCADE, primary_key=True, related_name="+")
    seq = models.BigIntegerField(default=0)
    link = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("đầu chuỗi lượt chấm công")
        verbose_name_plural = _("đầu chuỗi lượt chấm công")

    @classmethod
    def locked(cls, device_id: int) -> PunchChainHead:
        """The clock's head, locked until the end of the current transaction (created on
        the clock's first punches; a concurrent first writer's row wins)."""
        rows = cls.objects.select_for_update().filter(device_id=device_id)
        head = rows.first()
        if head is None:
            try:
                with transaction.atomic():
                    cls.objects.create(device_id=device_id)
            except IntegrityError:
                pass
            head = rows.get()
        return head

    def last_link(self) -> bytes:
        return bytes.fromhex(self.link) if self.seq else chain.genesis("punch", records.chain_name(self.device_id))


class PunchCommitment(models.Model):
    """The daily record of every clock's chain head (`commit_punches`).

    For a local day, the head (seq, link) of each clock's chain when that day was
    committed, a digest over them and the previous commitment's digest: a commitment
    fixes every punch up to it, and a chain rewritten afterwards (or a commitment
    altered) no longer matches (`verify_punches`)."""

    day = models.DateField(unique=True)
    heads = models.JSONField(default=dict, help_text="device id → [seq, link]")
    previous = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=tz_now)

    class Meta:
        ordering = ["day"]
        verbose_name = _("bản cam kết chuỗi chấm công")
        verbose_name_plural = _("bản cam kết chuỗi chấm công")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.digest[:12]}"

    def expected_digest(self) -> str:
        heads = {k: (int(v[0]), str(v[1])) for k, v in self.heads.items()}
        return chain.digest_of_heads(day=self.day, heads=heads, previous=self.previous)


class SyncRun(models.Model):
    """One attempt to fetch (or receive) a device's records."""

    device = models.ForeignKey(Device, models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, default="pull")
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(default=tz_now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    skipped = models.BooleanField(default=False, help_text="record count unchanged: no download")
    fetched = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["device", "-started_at"])]
        verbose_name = _("lần đồng bộ")
        verbose_name_plural = _("lần đồng bộ")


class DeviceCommand(models.Model):
    """A command queued for an ADMS device (fetched by /iclock/getrequest)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    device = models.ForeignKey(Device, models.CASCADE, related_name="commands")
    command = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=tz_now)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    return_code = models.IntegerField(null=True, blank=True)
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("lệnh gửi máy chấm công")
        verbose_name_plural = _("lệnh gửi máy chấm công")


class FingerTemplateQuerySet(models.QuerySet):
    def of_codes(self, codes) -> FingerTemplateQuerySet:
        return self.filter(device_user_id__in=list(codes))


class FingerTemplate(models.Model):
    """A fingerprint template enrolled on some clock, kept to copy to the official's other
    clocks, and only while STORE_FINGER_TEMPLATES is on and the official has consented.

    Biometric data is sensitive personal data (Law 91/2025/QH15; Decree 356/2025/NĐ-CP):
    `template` holds a Fernet token (devices.template_crypto), never the template. Write
    it with set_template()/keep(), read it with read_template(), which logs the access.
    """

    device_user_id = models.CharField(max_length=24)
    finger = models.PositiveSmallIntegerField()
    template = models.BinaryField(help_text="ciphertext (Fernet token), never the template itself")
    valid = models.PositiveSmallIntegerField(default=1)
    source_device = models.ForeignKey(Device, models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = FingerTemplateQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device_user_id", "finger"], name="finger_once")]
        verbose_name = _("mẫu vân tay")
        verbose_name_plural = _("mẫu vân tay")

    def __str__(self) -> str:
        return f"PIN={self.device_user_id} FID={self.finger}"

    @staticmethod
    def consenting(codes) -> set[str]:
        """The codes among `codes` whose official has an active consent to fingerprint
        attendance: only their templates may be stored."""
        return set(
            Consent.objects.active()
            .filter(purpose=Consent.Purpose.FINGERPRINT_ATTENDANCE, employee__code__in=list(codes))
            .values_list("employee__code", flat=True)
        )

    @classmethod
    def keep(cls, *, device_user_id: str, finger: int, raw: bytes, valid: int, source_device: Device | None):
        """Store or replace one template, encrypted. The caller has checked the setting and
        the consent; without a usable key this raises TemplateKeyError (never clear text)."""
        ciphertext = template_crypto.encrypt(raw)
        template, _created = cls.objects.update_or_create(
            device_user_id=device_user_id,
            finger=finger,
            defaults={"template": ciphertext, "valid": valid, "source_device": source_device},
        )
        return template

    def set_template(self, raw: bytes) -> None:
        self.template = template_crypto.encrypt(raw)

    def read_template(self, *, purpose: str, acting=None, device: Device | None = None) -> bytes:
        """The template itself, for `purpose` (a TemplateAccess.Purpose); `acting` is the
        user, or the worker's name when a background job reads. Every read is logged;
        a key that does not decrypt raises TemplateKeyError: never bytes that are not
        the template (a clock given garbage would refuse the official's finger)."""
        raw = template_crypto.decrypt(self.template)
        is_user = acting is not None and not isinstance(acting, str)
        TemplateAccess.objects.create(
            template=self,
            device_user_id=self.device_user_id,
            finger=self.finger,
            device=device,
            purpose=purpose,
            user=acting if is_user and getattr(acting, "is_authenticated", False) else None,
            worker=acting[:64] if isinstance(acting, str) else "",
        )
        return raw


class TemplateAccess(models.Model):
    """One read of a stored template: which, for what, to which clock, by whom, when.
    The PIN and finger are copied so the record outlives the template (purged on
    leaving or on withdrawn consent). Never the template bytes."""

    class Purpose(models.TextChoices):
        COPY_TO_DEVICE = "copy_to_device", _("Chép xuống máy chấm công")
        EXPORT = "export", _("Xuất dữ liệu theo yêu cầu")

    template = models.ForeignKey(FingerTemplate, models.SET_NULL, null=True, blank=True, related_name="accesses")
    device_user_id = models.CharField(_("mã chấm công"), max_length=24)
    finger = models.PositiveSmallIntegerField(_("ngón"))
    device = models.ForeignKey(
        Device, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("máy chấm công")
    )
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người đọc")
    )
    worker = models.CharField(_("tiến trình"), max_length=64, blank=True)
    at = models.DateTimeField(_("thời điểm"), default=tz_now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("lượt truy cập mẫu vân tay")
        verbose_name_plural = _("lượt truy cập mẫu vân tay")
