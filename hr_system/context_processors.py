from hr_system import access
from hr_system.models import Role


def roles(request):
    """Role flags for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    kinds = access.role_kinds(user)
    admin = access.is_admin(user)
    return {
        "is_hr": admin or Role.Kind.HR_OFFICER in kinds,
        "is_unit_head": admin or Role.Kind.UNIT_HEAD in kinds,
        "is_exam_board": admin or Role.Kind.EXAM_BOARD in kinds,
        "is_sysadmin": admin,
        "has_employee": Role.Kind.EMPLOYEE in kinds,
        "can_browse_org": admin or bool(kinds & {Role.Kind.HR_OFFICER, Role.Kind.UNIT_HEAD, Role.Kind.EXAM_BOARD}),
    }
