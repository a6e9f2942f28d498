"""Who may see or change which transfer round, criteria set and leader selection.

Every page and endpoint fetches these objects through the helpers below. A round or
selection outside the caller's org subtree is reported as missing (404); one they may
read but not change is refused (403). A candidate only ever reaches their own row.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from hr_system import access
from hr_system.models import OrgUnit, Role
from transfers.models import Candidate, CriteriaSet, LeaderSelection, PanelMember, TransferRound

# Who runs rounds: HR officers change them; the exam board may read them.
ROUND_READERS = (Role.Kind.HR_OFFICER, Role.Kind.EXAM_BOARD)
ROUND_WRITERS = (Role.Kind.HR_OFFICER,)
# Leader-selection exams are run by HR officers or the exam board.
SELECTION_MANAGERS = (Role.Kind.HR_OFFICER, Role.Kind.EXAM_BOARD)

PUBLISHED = (TransferRound.Status.PUBLISHED, TransferRound.Status.FINAL)
NOT_YOUR_ROW = "Không tìm thấy kết quả của bạn trong đợt này (hoặc kết quả chưa được công khai)."


def _ancestor_paths(path: str) -> list[str]:
    steps = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(steps[: i + 1]) + "/" for i in range(len(steps))]


# --- scopes ------------------------------------------------------------------------------


def criteria_sets_for(user) -> QuerySet[CriteriaSet]:
    """Shared templates, sets issued above the caller's units (a province's quy chế
    applies to its communes) and sets issued inside their subtree."""
    sets = CriteriaSet.objects.all()
    if access.is_admin(user):
        return sets
    roles = [r for r in access.roles_of(user) if r.kind in ROUND_READERS and r.unit is not None]
    if not roles:
        return sets.none()
    q = Q(unit__isnull=True)
    for role in roles:
        q |= Q(unit__path__startswith=role.unit.path) | Q(unit__path__in=_ancestor_paths(role.unit.path))
    return sets.filter(q)


def rounds_for(user, *, write: bool = False) -> QuerySet[TransferRound]:
    """Rounds organised by a unit in the caller's HR (or exam-board, for reading) subtree."""
    q = access.scope_q(user, ROUND_WRITERS if write else ROUND_READERS, field="unit__path")
    rounds = TransferRound.objects.all()
    return rounds if q is None else rounds.filter(q)


def selections_for(user) -> QuerySet[LeaderSelection]:
    q = access.scope_q(user, SELECTION_MANAGERS, field="unit__path")
    selections = LeaderSelection.objects.all()
    return selections if q is None else selections.filter(q)


def selection_units_for(user) -> QuerySet[OrgUnit]:
    """Units where the caller may open a leader-selection exam."""
    q = access.scope_q(user, SELECTION_MANAGERS)
    units = access.units_for(user)
    return units if q is None else units.filter(q)


def own_published_rows(user) -> QuerySet[Candidate]:
    """The caller's own rows in published or final rounds."""
    return Candidate.objects.filter(employee__user=user, round__status__in=PUBLISHED)


def panel_choices_for(user) -> QuerySet:
    """Active accounts the caller may seat on a selection panel: those of employees in
    their HR / exam-board subtree and those holding a role on a unit there. Anyone else
    (another commune's people, an unknown name) is simply not found."""
    users = get_user_model().objects.filter(is_active=True)
    q = access.scope_q(user, SELECTION_MANAGERS)
    if q is None:
        return users
    units = OrgUnit.objects.filter(q).values("pk")
    return users.filter(Q(employee__unit__in=units) | Q(roles__unit__in=units)).distinct()


def panel_users_for(user, usernames: list[str]) -> tuple[list, list[str]]:
    """(accounts found in the caller's panel choices, names not found): an out-of-scope
    name and one that does not exist are reported alike, so the answer tells nothing
    about accounts outside the caller's scope."""
    wanted = list(dict.fromkeys(usernames))
    found = list(panel_choices_for(user).filter(username__in=wanted).order_by("username"))
    names = {u.username for u in found}
    return found, [name for name in wanted if name not in names]


def panel_seats(user) -> QuerySet[PanelMember]:
    """The selection panels the caller sits on."""
    return PanelMember.objects.filter(user=user)


def can_change_round(user, transfer_round: TransferRound) -> bool:
    return rounds_for(user, write=True).filter(pk=transfer_round.pk).exists()


def require_round_writer(user) -> None:
    access.require_role(user, *ROUND_WRITERS)


def require_selection_manager(user) -> None:
    access.require_role(user, *SELECTION_MANAGERS)


# --- one helper per object type ----------------------------------------------------------


def get_criteria_set_for_user(user, set_id: int) -> CriteriaSet:
    found = criteria_sets_for(user).filter(pk=set_id).first()
    if found is None:
        raise Http404("Không tìm thấy bộ tiêu chí.")
    return found


def get_round_for_user(user, round_id: int, *, write: bool = False) -> TransferRound:
    """A round organised inside the caller's scope; outside it: 404. Reading needs an HR
    officer or exam-board role there, changing it an HR officer role (else 403)."""
    found = rounds_for(user).select_related("unit", "criteria_set").filter(pk=round_id).first()
    if found is None:
        raise Http404("Không tìm thấy đợt điều động.")
    if write and not can_change_round(user, found):
        raise PermissionDenied("Bạn không có quyền thay đổi đợt điều động này.")
    return found


def get_own_candidate(user, round_id: int) -> Candidate:
    """The caller's own row of a published round; anything else is 404 — a candidate
    never learns whether another person's row exists."""
    employee = access.own_employee(user) if getattr(user, "is_authenticated", False) else None
    candidate = (
        Candidate.objects.select_related("round__criteria_set", "round__unit", "employee__unit", "assigned_post__unit")
        .filter(round_id=round_id, employee=employee, round__status__in=PUBLISHED)
        .first()
        if employee is not None
        else None
    )
    if candidate is None:
        raise Http404(NOT_YOUR_ROW)
    return candidate


def get_candidate_for_user(user, round_id: int, code: str) -> Candidate:
    """HR in scope see any row; a candidate sees only their own (404 for others)."""
    if rounds_for(user).filter(pk=round_id).exists():
        candidate = (
            Candidate.objects.select_related("round", "employee__unit", "assigned_post__unit")
            .filter(round_id=round_id, employee__code=code)
            .first()
        )
        if candidate is None:
            raise Http404("Không có người này trong danh sách xem xét.")
        return candidate
    candidate = get_own_candidate(user, round_id)
    if candidate.employee.code != code:
        raise Http404(NOT_YOUR_ROW)
    return candidate


def get_selection_for_user(user, selection_id: int) -> LeaderSelection:
    found = selections_for(user).select_related("unit", "exam").filter(pk=selection_id).first()
    if found is None:
        raise Http404("Không tìm thấy kỳ thi tuyển.")
    return found


def get_panel_member(user, selection_id: int) -> PanelMember:
    """The caller's own seat on a selection's panel (404 when not on it)."""
    member = (
        PanelMember.objects.select_related("selection__unit")
        .filter(selection_id=selection_id, user_id=getattr(user, "pk", None))
        .first()
    )
    if member is None:
        raise Http404("Bạn không phải thành viên hội đồng của kỳ thi tuyển này.")
    return member


# --- signed documents --------------------------------------------------------------------
# The decision and the selection's result are signed by the unit head of the organising
# unit (hr_system.signed_documents.KINDS): they reach the round or selection to sign it
# and to fetch the signed copy; everyone who reads it may fetch the signed copy too.

SIGNERS = (Role.Kind.UNIT_HEAD,)


def get_round_for_signing(user, round_id: int) -> TransferRound:
    """A round in the caller's reading or unit-head scope; outside it: 404."""
    q = access.scope_q(user, ROUND_READERS + SIGNERS, field="unit__path")
    rounds = TransferRound.objects.select_related("unit", "criteria_set")
    found = (rounds if q is None else rounds.filter(q)).filter(pk=round_id).first()
    if found is None:
        raise Http404("Không tìm thấy đợt điều động.")
    return found


def get_selection_for_signing(user, selection_id: int) -> LeaderSelection:
    """A selection in the caller's managing or unit-head scope; outside it: 404."""
    q = access.scope_q(user, SELECTION_MANAGERS + SIGNERS, field="unit__path")
    selections = LeaderSelection.objects.select_related("unit", "exam")
    found = (selections if q is None else selections.filter(q)).filter(pk=selection_id).first()
    if found is None:
        raise Http404("Không tìm thấy kỳ thi tuyển.")
    return found
