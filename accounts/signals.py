"""Clear the first-login flag once the person has chosen a password."""

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from audit.actions import record_event


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def clear_must_change_password(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    record_event(
        actor=user, action="account.password_changed", target=f"user:{user.code}", request=request
    )
