"""Organisation tree, people, roles and API tokens shared by every app."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hr_system import chain
from hr_system.text import fold, name_sort_key

# Attendance IDs are what a ZK clock stores as user_id: a numeric string. ZK firmware
# accepts up to 9 digits in the 28-byte user record (reference zk-protocol.md §1.6).
EMPLOYEE_CODE_RE = r"^[0-9]{1,9}$"
employee_code_validator = RegexValidator(EMPLOYEE_CODE_RE, _("Mã chấm công chỉ gồm chữ số, tối đa 9 chữ số."))
# The personal identification number printed on the citizen identity card (căn cước):
# 12 digits (Law on Identification 2023, No. 26/2023/QH15, Art. 12).
CITIZEN_ID_RE = r"^[0-9]{12}$"
citizen_id_validator = RegexValidator(CITIZEN_ID_RE, _("Số định danh cá nhân (căn cước) phải gồm đúng 12 chữ số."))


class DerivedColumnsQuerySet(models.QuerySet):
    """bulk_create and bulk_update skip save(): these fill the model's derived search
    and sort columns (`DERIVED_FIELDS`, computed by `set_derived_fields()` from
    `DERIVED_FROM`) on every bulk write, the roster import's upsert included."""

    def _with_derived(self, fields) -> list[str] | None:
        if fields is None:
            return None
        fields = list(fields)
        if self.model.DERIVED_FROM in fields:
            fields += [f for f in self.model.DERIVED_FIELDS if f not in fields]
        return fields

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.set_derived_fields()
        kwargs["update_fields"] = self._with_derived(kwargs.get("update_fields"))
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if self.model.DERIVED_FROM in fields:
            for obj in objs:
                obj.set_derived_fields()
        return super().bulk_update(objs, self._with_derived(fields), *args, **kwargs)


class OrgUnitQuerySet(DerivedColumnsQuerySet):
    def active_on(self, day: dt.date) -> OrgUnitQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def subtree_of(self, *units: OrgUnit) -> OrgUnitQuerySet:
        """Every unit under any of `units` (inclusive) in one query on the path."""
        q = Q(pk__in=[])
        for unit in units:
            q |= Q(path__startswith=unit.path)
        return self.filter(q)

    def search(self, text: str | None) -> OrgUnitQuerySet:
        """Units whose name holds every word typed (without diacritics or case) or whose
        code contains what was typed. Nothing to search for: every row."""
        by_name = folded_match("name_folded", text)
        if by_name is None:
            return self
        return self.filter(by_name | Q(code__icontains=text.strip()))


class OrgUnit(models.Model):
    """A node of the organisation tree.

    The tree is typed and dated: Sơn La's 200 communes became 75 on 1 July 2025 and the
    district level ended (Resolution 1681/NQ-UBTVQH15; reference vietnam-rules.md §7),
    so former units stay as history with `valid_to` set and successions recorded.
    `path` is a materialised path of zero-padded ids ("/000001/000007/") so that
    "everything under X" is a single indexed prefix query.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Tỉnh")
        COMMUNE = "commune", _("Xã")
        WARD = "ward", _("Phường")
        SPECIAL_ZONE = "special_zone", _("Đặc khu")
        PARTY_COMMITTEE = "party_committee", _("Đảng ủy")
        PEOPLES_COUNCIL = "peoples_council", _("Hội đồng nhân dân")
        PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
        DEPARTMENT = "department", _("Phòng, ban")
        PUBLIC_SERVICE_UNIT = "public_service_unit", _("Đơn vị sự nghiệp")
        FORMER_DISTRICT = "former_district", _("Huyện (cũ)")

    PATH_STEP = 7  # "/" + 6 digits

    code = models.CharField(_("mã đơn vị"), max_length=32, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=200)
    kind = models.CharField(_("loại"), max_length=32, choices=Kind.choices)
    admin_code = models.CharField(_("mã ĐVHC"), max_length=16, blank=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("đơn vị cấp trên")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    place_name = models.CharField(
        _("địa danh"), max_length=100, blank=True, help_text=_("Địa danh ghi trên văn bản, ví dụ: Mộc Châu")
    )
    doc_symbol = models.CharField(_("ký hiệu văn bản"), max_length=32, blank=True, help_text=_("Ví dụ: UBND, NV"))
    # Derived from `name` by hr_system.text.fold: what search compares (issue 14).
    name_folded = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False, db_index=True)
    DERIVED_FROM, DERIVED_FIELDS = "name", ("name_folded",)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        if kwargs.get("update_fields") is not None and self.DERIVED_FROM in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def set_derived_fields(self) -> None:
        """The search column, from the name; bulk writes call this as save() does."""
        self.name_folded = fold(self.name)

    @classmethod
    def add(cls, *, parent: OrgUnit | None = None, **fields) -> OrgUnit:
        """Create a unit and give it its materialised path."""
        with transaction.atomic():
            unit = cls.objects.create(parent=parent, **fields)
            unit.path = (parent.path if parent else "/") + f"{unit.pk:06d}/"
            unit.depth = parent.depth + 1 if parent else 0
            unit.save(update_fields=["path", "depth"])
        return unit

    def move_under(self, new_parent: OrgUnit | None) -> None:
        """Re-parent this unit and rewrite the paths of its whole subtree in one UPDATE."""
        if new_parent is not None and new_parent.path.startswith(self.path):
            raise ValueError("A unit cannot be moved under its own subtree.")
        old_path = self.path
        new_path = (new_parent.path if new_parent else "/") + f"{self.pk:06d}/"
        delta = new_path.count("/") - old_path.count("/")
        with transaction.atomic():
            OrgUnit.objects.filter(pk=self.pk).update(parent=new_parent)
            OrgUnit.objects.filter(path__startswith=old_path).update(
                path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
                depth=models.F("depth") + delta,
            )
        self.refresh_from_db()

    def is_active_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)

    def subtree(self) -> OrgUnitQuerySet:
        return OrgUnit.objects.filter(path__startswith=self.path)

    def ancestors(self) -> OrgUnitQuerySet:
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        return OrgUnit.objects.filter(pk__in=ids).order_by("depth")

    def rollup_units(self) -> OrgUnitQuerySet:
        """This subtree plus every former unit whose succession leads into it.

        Data recorded under a unit that was merged away (e.g. a pre-2025 commune)
        still counts under its successor. Each loop step is one query per level of
        history, not per unit.
        """
        ids = set(self.subtree().values_list("pk", flat=True))
        frontier = set(ids)
        while frontier:
            predecessors = set(
                OrgUnitSuccession.objects.filter(successor_id__in=frontier).values_list("predecessor__path", flat=True)
            )
            if not predecessors:
                break
            q = Q(pk__in=[])
            for path in predecessors:
                q |= Q(path__startswith=path)
            new = set(OrgUnit.objects.filter(q).values_list("pk", flat=True)) - ids
            ids |= new
            frontier = new
        return OrgUnit.objects.filter(pk__in=ids)

    def place(self) -> str:
        """The place for the date line of a document: this unit's place name, else its
        nearest ancestor's, else the name of the root unit (the province)."""
        chain = [self, *reversed(list(self.ancestors().exclude(pk=self.pk)))]
        for unit in chain:
            if unit.place_name:
                return unit.place_name
        return chain[-1].name

    def date_line(self, day: dt.date | None = None) -> str:
        """'Mộc Châu, ngày 05 tháng 3 năm 2026' — the "place, date" line of an official
        document (Decree 30/2020 Art. 8(d), Appendix I: a zero is written before days below
        10 and before months 1 and 2 only, so that no digit can be added in front)."""
        day = day or timezone.localdate()
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"{self.place()}, ngày {day.day:02d} tháng {month} năm {day.year}"

    def issuing_agency(self) -> str:
        """The agency line for an official document header (Decree 30/2020 art. 8(b))."""
        return self.name.upper()


class OrgUnitSuccession(models.Model):
    """Merge history: `predecessor` was merged into (or split to) `successor`."""

    predecessor = models.ForeignKey(OrgUnit, models.CASCADE, related_name="successions")
    successor = models.ForeignKey(OrgUnit, models.CASCADE, related_name="predecessions")
    effective_date = models.DateField(_("ngày hiệu lực"))
    resolution = models.CharField(_("nghị quyết"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("lịch sử sáp nhập")
        verbose_name_plural = _("lịch sử sáp nhập")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="orgunit_succession_unique"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="orgunit_succession_not_self"),
        ]


class EmployeeQuerySet(DerivedColumnsQuerySet):
    def in_units(self, units) -> EmployeeQuerySet:
        return self.filter(unit__in=units)

    def active_on(self, day: dt.date) -> EmployeeQuerySet:
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=day)).filter(
            Q(leave_date__isnull=True) | Q(leave_date__gt=day)
        )

    def search(self, text: str | None) -> EmployeeQuerySet:
        """People whose name holds every word typed, without diacritics or case
        ("nguyen binh", "NGUYỄN", "dinh" find "Nguyễn Văn Bình", "Đinh …"), or whose
        code starts with what was typed. Nothing to search for: every row."""
        by_name = folded_match("name_folded", text)
        if by_name is None:
            return self
        return self.filter(by_name | Q(code__startswith=text.strip()))

    def vn_ordered(self, *, by_unit: bool = False) -> EmployeeQuerySet:
        """The order of official Vietnamese lists: given name, then family and middle
        names (hr_system.text.name_sort_key, a string of digits that every database
        collation orders alike), then code; `by_unit` groups the list by unit (tree
        order) first, as a unit's staff list does."""
        return self.order_by("unit__path", "sort_key", "code") if by_unit else self.order_by("sort_key", "code")


def folded_match(field: str, text: str | None) -> Q | None:
    """`field` (a column filled by hr_system.text.fold) contains every word of `text`
    once folded the same way; None when `text` folds to nothing (no filter at all)."""
    words = fold(text or "").split()
    if not words:
        return None
    match = Q()
    for word in words:
        match &= Q(**{f"{field}__contains": word})
    return match


class Employee(models.Model):
    """A person on the roster. A login account is optional."""

    class Gender(models.TextChoices):
        MALE = "male", _("Nam")
        FEMALE = "female", _("Nữ")

    class Category(models.TextChoices):
        CADRE = "cadre", _("Cán bộ")
        CIVIL_SERVANT = "civil_servant", _("Công chức")
        PUBLIC_EMPLOYEE = "public_employee", _("Viên chức")
        CONTRACT_WORKER = "contract_worker", _("Hợp đồng lao động")

    code = models.CharField(_("mã chấm công"), max_length=9, unique=True, validators=[employee_code_validator])
    full_name = models.CharField(_("họ và tên"), max_length=120)
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    # Sensitive personal data: shown only to HR and to the proctors of a sitting the
    # person is on (hr_system.access / assessments.access), never logged or listed.
    citizen_id = models.CharField(
        _("số định danh cá nhân (căn cước)"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[citizen_id_validator],
    )
    gender = models.CharField(_("giới tính"), max_length=8, choices=Gender.choices, blank=True)
    category = models.CharField(_("loại"), max_length=20, choices=Category.choices)
    job_title = models.CharField(_("chức vụ, chức danh"), max_length=120, blank=True)
    rank = models.CharField(_("ngạch, bậc"), max_length=120, blank=True)
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="employees", verbose_name=_("đơn vị"))
    sector_start = models.DateField(_("ngày vào ngành"), null=True, blank=True)
    unit_start = models.DateField(_("ngày về đơn vị hiện tại"), null=True, blank=True)
    hardship_years = models.DecimalField(_("số năm công tác vùng khó khăn"), max_digits=4, decimal_places=1, default=0)
    home_commune = models.CharField(_("quê quán (xã)"), max_length=120, blank=True)
    distance_km = models.DecimalField(
        _("khoảng cách đến nơi làm việc (km)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    start_date = models.DateField(_("ngày bắt đầu làm việc"), null=True, blank=True)
    leave_date = models.DateField(_("ngày nghỉ việc"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("tài khoản"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Derived from `full_name` (hr_system.text): the folded name search compares, and
    # the key official lists sort by (given name, then family and middle names).
    # A database default too: rows written outside the ORM (raw SQL, historical models in
    # migrations) are not refused; they are found and sorted once saved again.
    name_folded = models.CharField(max_length=120, blank=True, default="", db_default="", editable=False, db_index=True)
    sort_key = models.CharField(max_length=255, blank=True, default="", db_default="", editable=False, db_index=True)
    DERIVED_FROM, DERIVED_FIELDS = "full_name", ("name_folded", "sort_key")

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        # Unit by unit, then the order of official lists (EmployeeQuerySet.vn_ordered).
        ordering = ["unit__path", "sort_key", "code"]
        verbose_name = _("cán bộ, công chức, viên chức")
        verbose_name_plural = _("cán bộ, công chức, viên chức")
        indexes = [models.Index(fields=["unit", "full_name"])]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=EMPLOYEE_CODE_RE), name="employee_code_digits"),
            models.CheckConstraint(
                condition=Q(citizen_id__isnull=True) | Q(citizen_id__regex=CITIZEN_ID_RE),
                name="employee_citizen_id_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        if kwargs.get("update_fields") is not None and self.DERIVED_FROM in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def set_derived_fields(self) -> None:
        """The search and sort columns, from the name; bulk writes call this as save() does.
        A blank citizen-ID number is stored as NULL so that "not recorded" stays unique-free."""
        self.citizen_id = (self.citizen_id or "").strip() or None
        self.name_folded = fold(self.full_name)
        self.sort_key = name_sort_key(self.full_name)

    def is_active_on(self, day: dt.date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (
            self.leave_date is None or self.leave_date > day
        )

    @property
    def given_name(self) -> str:
        """Vietnamese lists sort by given name, the last word of the full name."""
        return self.full_name.split()[-1] if self.full_name.split() else ""


class Role(models.Model):
    """What a user may do, and over which part of the tree.

    Scope is the unit subtree rooted at `unit`; a system administrator's scope is all.
    """

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("Cán bộ, công chức")
        UNIT_HEAD = "unit_head", _("Thủ trưởng đơn vị")
        HR_OFFICER = "hr_officer", _("Cán bộ Phòng Nội vụ")
        EXAM_BOARD = "exam_board", _("Hội đồng thi")
        ADMIN = "admin", _("Quản trị hệ thống")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="roles")
    kind = models.CharField(_("vai trò"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        OrgUnit, models.CASCADE, null=True, blank=True, related_name="roles", verbose_name=_("phạm vi")
    )

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "unit"], name="role_unique"),
            models.CheckConstraint(
                condition=Q(kind="admin") | Q(kind="employee") | Q(unit__isnull=False), name="role_scoped_has_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()} — {self.unit or '*'}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the plain value is shown once."""

    PREFIX = "hrt_"
    TOUCH_EVERY = dt.timedelta(minutes=1)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("khóa truy cập API")
        verbose_name_plural = _("khóa truy cập API")

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=cls.hash(raw), hint=raw[:10])
        return token, raw

    @classmethod
    def authenticate(cls, raw: str):
        found = cls.objects.select_related("user").filter(digest=cls.hash(raw), revoked_at__isnull=True).order_by()[:1]
        token = found[0] if found else None
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        # "Last used" is shown to the minute: writing it on every call cost a write (and
        # a commit) per request on the exam's hot path, so it is refreshed once a minute.
        if token.last_used_at is None or now - token.last_used_at >= cls.TOUCH_EVERY:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class AccountState(models.Model):
    """What the product knows about a login beyond Django's User: whether its password
    was set by someone else (created or reset by HR) and must be changed at next login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="account_state")
    must_change_password = models.BooleanField(default=False)
    password_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    password_set_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trạng thái tài khoản")
        verbose_name_plural = _("trạng thái tài khoản")


class AuditLog(models.Model):
    """Who changed what, when and why. Written by actions, never edited."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # The log's hash chain (hr_system.chain): place and link, set by record() under the
    # AuditChainHead lock. A row without them was not written by the product.
    seq = models.BigIntegerField(null=True, blank=True, editable=False)
    link = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("nhật ký thao tác")
        verbose_name_plural = _("nhật ký thao tác")

    @classmethod
    def record(cls, *, user, action: str, obj=None, object_type: str = "", object_id: str = "", **detail) -> AuditLog:
        """Append a record to the log and its chain.

        The chain's head is locked until the end of the caller's transaction (record()
        is called inside the actions' atomic blocks, and opens one itself otherwise):
        writers of the log queue there, so call it late in a transaction, after the
        slow work. None of the product's writes that run many at once (answers, punches)
        writes the log."""
        if obj is not None:
            object_type = object_type or obj._meta.label
            object_id = object_id or str(obj.pk)
        user = user if (user is not None and getattr(user, "is_authenticated", False)) else None
        # Stored as JSON and read back the same way, so the link is over what a reader gets.
        detail = json.loads(chain.canonical_json(detail))
        with transaction.atomic():
            head = AuditChainHead.locked()
            at = timezone.now()
            seq = head.seq + 1
            link = chain.next_link(
                head.last_link(),
                chain.audit_canonical(
                    at=at,
                    user_id=user.pk if user else None,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    detail=detail,
                ),
            ).hex()
            row = cls.objects.create(
                at=at,
                user=user,
                action=action,
                object_type=object_type,
                object_id=object_id,
                detail=detail,
                seq=seq,
                link=link,
            )
            AuditChainHead.objects.filter(pk=head.pk).update(seq=seq, link=link)
        return row

    def canonical(self) -> bytes:
        return chain.audit_canonical(
            at=self.at,
            user_id=self.user_id,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            detail=self.detail,
        )


class AuditChainHead(models.Model):
    """The end of the audit log's chain: one row (pk 1), locked by AuditLog.record."""

    seq = models.BigIntegerField(default=0)
    link = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký thao tác")
        verbose_name_plural = _("đầu chuỗi nhật ký thao tác")

    @classmethod
    def locked(cls) -> AuditChainHead:
        """The head, locked until the end of the current transaction (created by the
        first record; a concurrent first writer's row wins)."""
        rows = cls.objects.select_for_update().filter(pk=1)
        head = rows.first()
        if head is None:
            try:
                with transaction.atomic():
                    cls.objects.create(pk=1)
            except IntegrityError:
                pass
            head = rows.get()
        return head

    def last_link(self) -> bytes:
        return bytes.fromhex(self.link) if self.seq else chain.AUDIT_GENESIS


class WorkerHeartbeat(models.Model):
    """The last step of one background worker (`poll_devices`, `recompute_attendance`, …).

    Written by `hr_system.workers.Worker` after every step, so "is the poller
    alive, and did its last round work?" is one row to read. Several processes of one
    command share its row: the host and pid say which one wrote last.
    """

    name = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(help_text="when the process writing the row started")
    beat_at = models.DateTimeField()
    last_step_ok = models.BooleanField(default=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("nhịp tiến trình nền")
        verbose_name_plural = _("nhịp tiến trình nền")

    def __str__(self) -> str:
        return f"{self.name} @ {self.host}:{self.pid} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ConsentQuerySet(models.QuerySet):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """An employee's consent to one processing of their personal data, as HR recorded it.

    Processing sensitive personal data (biometrics) needs the person's consent, given
    for a stated purpose; silence is not consent (Law 91/2025/QH15 on Personal Data
    Protection, in force 1/1/2026). `evidence` says where the signed form is kept.
    Withdrawing keeps the row (who gave and withdrew, when) and stops the processing:
    hr_system.actions.withdraw_consent runs the apps' hooks (the clocks' templates).
    """

    class Purpose(models.TextChoices):
        FINGERPRINT_ATTENDANCE = "fingerprint_attendance", _("Chấm công bằng vân tay")
        FACE_ATTENDANCE = "face_attendance", _("Chấm công bằng khuôn mặt")

    employee = models.ForeignKey(Employee, models.CASCADE, related_name="consents", verbose_name=_("cán bộ"))
    purpose = models.CharField(_("mục đích"), max_length=32, choices=Purpose.choices)
    given_at = models.DateTimeField(_("thời điểm đồng ý"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người ghi")
    )
    evidence = models.CharField(_("căn cứ"), max_length=200, help_text=_("Ví dụ: phiếu đồng ý số 12/2026"))
    withdrawn_at = models.DateTimeField(_("thời điểm rút lại"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ghi việc rút lại"),
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["employee", "-given_at", "-pk"]
        verbose_name = _("sự đồng ý xử lý dữ liệu cá nhân")
        verbose_name_plural = _("sự đồng ý xử lý dữ liệu cá nhân")
        constraints = [
            # One standing consent per person and purpose: a second is a mistake, not news.
            models.UniqueConstraint(
                fields=["employee", "purpose"], condition=Q(withdrawn_at__isnull=True), name="consent_active_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee.code} — {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class SigningCredential(models.Model):
    """Where a unit's (or a signer's) certificate and private key live, for signing PDFs.

    Decree 30/2020/NĐ-CP Art. 13 and 17: an official electronic document is signed by
    the competent person and then by the agency. A credential is either a PKCS#12 file on
    the server (small agencies, tests) or a PKCS#11 token (the USB-token path). Keys are
    never uploaded through the web, and the PIN / passphrase is never stored: it is typed
    at signing time and forgotten after the call to `hr_system.signing.sign_pdf`.
    """

    class Kind(models.TextChoices):
        PKCS12 = "pkcs12", _("Tệp PKCS#12")
        PKCS11 = "pkcs11", _("Thiết bị ký số (USB token, PKCS#11)")

    class Purpose(models.TextChoices):
        PERSONAL = "personal", _("Chữ ký của người ký")
        AGENCY = "agency", _("Chữ ký của cơ quan")

    DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"

    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="signing_credentials", verbose_name=_("đơn vị"))
    purpose = models.CharField(_("mục đích"), max_length=16, choices=Purpose.choices, default=Purpose.PERSONAL)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices, default=Kind.PKCS12)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="signing_credentials",
        verbose_name=_("người ký"),
        help_text=_("Người ký (chữ ký cá nhân); để trống với chữ ký của cơ quan."),
    )
    label = models.CharField(_("tên gọi"), max_length=100)
    pkcs12_path = models.CharField(
        _("đường dẫn tệp PKCS#12"),
        max_length=500,
        blank=True,
        help_text=_("Đường dẫn tệp trên máy chủ; không tải khóa lên qua trang web."),
    )
    pkcs11_module = models.CharField(_("thư viện PKCS#11"), max_length=500, blank=True, default=DEFAULT_PKCS11_MODULE)
    token_label = models.CharField(_("nhãn thiết bị (token)"), max_length=100, blank=True)
    key_label = models.CharField(_("nhãn khóa"), max_length=100, blank=True)
    active = models.BooleanField(_("đang dùng"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người tạo")
    )
    created_at = models.DateTimeField(_("ngày tạo"), default=timezone.now)

    class Meta:
        ordering = ["unit__path", "purpose", "label"]
        verbose_name = _("chứng thư ký số")
        verbose_name_plural = _("chứng thư ký số")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="pkcs12") & ~Q(pkcs12_path=""))
                | (Q(kind="pkcs11") & ~Q(pkcs11_module="") & ~Q(token_label="")),
                name="signing_credential_location",
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """One line for lists: label, purpose, kind and where the key is (no secret)."""
        if self.kind == self.Kind.PKCS11:
            where = self.token_label + (f"/{self.key_label}" if self.key_label else "")
        else:
            where = self.pkcs12_path.rsplit("/", 1)[-1]
        return f"{self.label} — {self.get_purpose_display()} — {self.get_kind_display()} ({where})"


class SignedDocumentQuerySet(models.QuerySet):
    def in_force(self) -> SignedDocumentQuerySet:
        return self.filter(status=SignedDocument.Status.SIGNED)


class SignedDocument(models.Model):
    """A signed official PDF (Decree 30/2020 Art. 5): the exact bytes handed out, kept
    content-addressed by their SHA-256 under SIGNED_DOCUMENTS_DIR (hr_system.signed_documents).

    `kind` names an entry of the document registry in hr_system.signed_documents;
    `subject_key` says which document of that kind ("<unit code>:2026-01" for a
    timesheet, "exam:12" for a results list). At most one copy per subject is in force;
    a voided copy stays, with who voided it, when and why.
    """

    class Status(models.TextChoices):
        SIGNED = "signed", _("Đã ký")
        VOIDED = "voided", _("Đã hủy hiệu lực")

    kind = models.CharField(_("loại văn bản"), max_length=32)
    subject_key = models.CharField(max_length=128)
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="signed_documents", verbose_name=_("đơn vị"))
    title = models.CharField(_("văn bản"), max_length=255)
    filename = models.CharField(max_length=128)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.SIGNED)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    signer_name = models.CharField(_("người ký"), max_length=255)
    signed_at = models.DateTimeField(_("thời điểm ký"), default=timezone.now)
    credential = models.ForeignKey("hr_system.SigningCredential", models.PROTECT, related_name="+")
    agency_credential = models.ForeignKey(
        "hr_system.SigningCredential", models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)

    objects = SignedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-pk"]
        verbose_name = _("văn bản đã ký số")
        verbose_name_plural = _("văn bản đã ký số")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key"], condition=Q(status="signed"), name="signed_document_one_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def in_force(self) -> bool:
        return self.status == self.Status.SIGNED
