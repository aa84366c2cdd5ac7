"""Which roles a person holds now, derived from data (RULES.md §1, "roles come from data").

- student: the user has a ``schools.Student`` row;
- subject teacher: the user's ``Teacher`` teaches an offering in the current term;
- homeroom teacher: the user's ``Teacher`` homerooms a class of the current school year;
- parent: the user has an active ``guardians.Guardianship``;
- registrar, course-consultation teacher, central-database operator, system admin:
  ``RoleAssignment`` rows for the current school year (or every year); superusers are
  system admins.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from schools.models import School, Student, Teacher, Term

from .models import Role, RoleAssignment, User

#: Which home page a person lands on when they hold several roles, first match wins.
HOME_PRIORITY = [
    Role.STUDENT,
    Role.REGISTRAR,
    Role.HOMEROOM_TEACHER,
    Role.SUBJECT_TEACHER,
    Role.CONSULTATION_TEACHER,
    Role.PARENT,
    Role.CENTRAL_OPERATOR,
    Role.SYSTEM_ADMIN,
]

TEACHER_ROLES = {Role.SUBJECT_TEACHER, Role.HOMEROOM_TEACHER, Role.CONSULTATION_TEACHER}

HOME_URL_NAMES = {
    Role.STUDENT: "portfolios:cabinet",
    Role.REGISTRAR: "schools:registrar_home",
    Role.HOMEROOM_TEACHER: "schools:teacher_home",
    Role.SUBJECT_TEACHER: "schools:teacher_home",
    Role.CONSULTATION_TEACHER: "schools:teacher_home",
    Role.PARENT: "guardians:parent_home",
    Role.CENTRAL_OPERATOR: "central:home",
    Role.SYSTEM_ADMIN: "admin:index",
}


@dataclass
class RoleContext:
    """A person's roles now, with the school and current term they act in."""

    roles: frozenset[Role] = field(default_factory=frozenset)
    school: School | None = None
    term: Term | None = None
    student: Student | None = None
    teacher: Teacher | None = None
    registrar_school_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def home_role(self) -> Role | None:
        """The first role, by ``HOME_PRIORITY``, whose home page the person can open (teacher
        pages need a Teacher row)."""
        return next((role for role in HOME_PRIORITY if self._can_land(role)), None)

    def _can_land(self, role: Role) -> bool:
        if role not in self.roles:
            return False
        if role in TEACHER_ROLES:
            return self.teacher is not None and self.term is not None
        return True

    @property
    def home_links(self) -> list[tuple[str, str]]:
        """(label, url) for each distinct home page of the person's roles, in priority order."""
        links: list[tuple[str, str]] = []
        seen: set[str] = set()
        for role in HOME_PRIORITY:
            if self._can_land(role):
                url = reverse(HOME_URL_NAMES[role])
                if url not in seen:
                    seen.add(url)
                    links.append((str(role.label), url))
        return links


def current_term(school: School | None) -> Term | None:
    """The school's current term (``Term.is_current``), or None."""
    if school is None:
        return None
    return Term.objects.filter(school=school, is_current=True).first()


def compute_role_context(user: User) -> RoleContext:
    """Derive the person's roles from data. A handful of small queries; cache per request
    through :func:`get_role_context`."""
    if not user.is_authenticated:
        return RoleContext()
    roles: set[Role] = set()
    school: School | None = None
    student = Student.objects.select_related("school").filter(user=user).first()
    teacher = Teacher.objects.select_related("school").filter(user=user).first()
    if student is not None:
        roles.add(Role.STUDENT)
        school = student.school
    if teacher is not None:
        school = school or teacher.school
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("school"))
    if school is None:
        school = next((a.school for a in assignments if a.school is not None), None)
    term = current_term(school)
    if teacher is not None and term is not None:
        # A proxy certifier (代理人) acts as a subject teacher for the term (RULES.md §4.4).
        if (
            teacher.offerings.filter(term=term).exists()
            or teacher.proxy_for.filter(term=term).exists()  # type: ignore[attr-defined]
        ):
            roles.add(Role.SUBJECT_TEACHER)
        if teacher.homeroom_classes.filter(school_year=term.school_year).exists():
            roles.add(Role.HOMEROOM_TEACHER)
    registrar_schools: set[int] = set()
    for assignment in assignments:
        # A year-bound assignment counts in its own school's current school year.
        if assignment.school_year is not None:
            own_term = term if assignment.school == school else current_term(assignment.school)
            if own_term is None or own_term.school_year != assignment.school_year:
                continue
        roles.add(Role(assignment.role))
        if assignment.role == Role.REGISTRAR and assignment.school_id is not None:
            registrar_schools.add(assignment.school_id)
    if user.guardianships.filter(ended_at__isnull=True).exists():  # type: ignore[attr-defined]
        roles.add(Role.PARENT)
    if user.is_superuser:
        roles.add(Role.SYSTEM_ADMIN)
    return RoleContext(
        roles=frozenset(roles),
        school=school,
        term=term,
        student=student,
        teacher=teacher,
        registrar_school_ids=frozenset(registrar_schools),
    )


def get_role_context(user: User) -> RoleContext:
    """The person's :class:`RoleContext`, computed once per user object (i.e. per request)."""
    cached: RoleContext | None = getattr(user, "_licheng_role_context", None)
    if cached is None:
        cached = compute_role_context(user)
        user._licheng_role_context = cached  # type: ignore[attr-defined]
    return cached
