"""Factories for the binding tests (kept inside guardians/ so they do not depend on the
foundation suite's factories)."""

import base64
import datetime
import io
import itertools

import factory
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from accounts.tests.factories import UserFactory as AccountUserFactory
from guardians.models import Guardianship, Relationship
from schools.identity import with_check_digit
from schools.models import ClassMembership, School, SchoolClass, Student, Teacher, Term

_ids = itertools.count(1)


def make_national_id(letter: str = "Y", sex: str = "1") -> str:
    """A valid ID number (RULES.md §8.2) that starts with Y (no longer issued)."""
    return with_check_digit(f"{letter}{sex}{9990000 + next(_ids):07d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"使用者{n}")
    password = factory.django.Password("pw-Licheng-2025")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"{380000 + n:06d}")
    name = factory.Sequence(lambda n: f"私立測試高級中學{n}")


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    school = factory.SubFactory(SchoolFactory)
    school_year = 114
    semester = 1
    start_date = datetime.date(2025, 8, 1)
    end_date = datetime.date(2026, 1, 31)
    is_current = True


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    staff_number = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"王老師{n}")


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    school_year = 114
    grade = 1
    name = factory.Sequence(lambda n: f"商一{n}")
    homeroom_teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..school"))


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    student_number = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"陳同學{n}")
    national_id = factory.LazyFunction(make_national_id)
    date_of_birth = datetime.date(2009, 5, 1)
    entry_year = 114


def enrol(student: Student, school_class: SchoolClass, term: Term, seat: int = 1) -> None:
    """Put a student in a class for a term."""
    ClassMembership.objects.create(
        student=student, term=term, school_class=school_class, seat_number=seat
    )


def signature_data_url(width: int = 600, height: int = 200, ink: bool = True) -> str:
    """A canvas-like PNG data URL with a scribble (or blank when ``ink`` is False)."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        draw.line([(20, 150), (120, 40), (220, 160), (320, 50), (420, 150)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def ensure_consent() -> None:
    """Version 1 of the consent statement, as the data migration seeds it (a flush by a
    transactional test removes migration data)."""
    import importlib

    from guardians.models import ConsentStatement

    seed = importlib.import_module("guardians.migrations.0004_seed_consent_statement")
    ConsentStatement.objects.get_or_create(
        version=1,
        defaults={
            "title": seed.TITLE,
            "body": seed.BODY,
            "published_at": datetime.datetime(2025, 8, 1, tzinfo=datetime.UTC),
        },
    )


class GuardianshipFactory(factory.django.DjangoModelFactory):
    """An active binding (used by the foundation suite's role fixtures); set ``ended_at`` for an
    ended one."""

    class Meta:
        model = Guardianship

    parent = factory.SubFactory(AccountUserFactory)
    student = factory.SubFactory("schools.tests.factories.StudentFactory")
    relationship = Relationship.MOTHER
    approved_at = factory.LazyFunction(timezone.now)
    ended_at = None
