"""Factories for accounts: people and the roles the school assigns them (RULES.md §1)."""

import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import Role, RoleAssignment, User

#: Every factory-made user logs in with this password.
DEFAULT_PASSWORD = "licheng-test-Passw0rd"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    display_name = factory.Sequence(lambda n: f"使用者{n:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = Password(DEFAULT_PASSWORD)


class RoleAssignmentFactory(DjangoModelFactory[RoleAssignment]):
    """A registrar of a new school for every year unless told otherwise."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.REGISTRAR
    school = factory.SubFactory("schools.tests.factories.SchoolFactory")
    school_year = None
