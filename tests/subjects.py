"""Who stands for whom in the permission matrices (tests/test_access_matrix.py, tests/test_admin_access_matrix.py)."""

from __future__ import annotations

from access.policy import Role

# The subject of the permission matrices for each role, and the fixture that makes it. Built from
# ``Role``: a new role has no subject until it is added here (and in every matrix's expectations).
ROLE_SUBJECTS: dict[Role, tuple[str, str]] = {
    Role.STAFF: ("staff", "staff_user"),
    Role.MANAGER: ("manager", "manager_user"),
    Role.DAILY_BOARD: ("db", "db_user"),  # also in the AB, as every DB member is
    Role.GENERAL_BOARD: ("ab", "ab_user"),
    Role.KWARTIERMAKER: ("kwartiermaker", "kwartiermaker_user"),
    Role.CONTACT: ("contact_weert", "contact_weert"),
}
# Beyond one subject per role: a contact of another municipality and a user without any role.
OTHER_SUBJECTS = {"contact_venlo": "contact_venlo", "norole": "norole_user"}


def subject_names() -> list[str]:
    """The matrices' subjects in order: one per member of ``Role``, then the others."""
    return [ROLE_SUBJECTS[role][0] for role in Role] + list(OTHER_SUBJECTS)
