"""Factories for parent–child bindings (親子綁定, RULES.md §1 parent)."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from guardians.models import Guardianship, Relationship
from schools.tests.factories import StudentFactory


class GuardianshipFactory(DjangoModelFactory[Guardianship]):
    """An active binding; set ``ended_at`` for an ended one."""

    class Meta:
        model = Guardianship

    parent = factory.SubFactory(UserFactory)
    student = factory.SubFactory(StudentFactory)
    relationship = Relationship.MOTHER
    approved_at = factory.LazyFunction(timezone.now)
    ended_at = None
