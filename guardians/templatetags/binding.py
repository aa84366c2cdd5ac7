"""Template filters of the binding pages."""

from django import template

from guardians.inputs import mask_name

register = template.Library()


@register.filter
def student_name_for(application: object) -> str:
    """The student's name on the parent's pages: full once approved, else masked
    (``陳○明``), so an application alone never reveals a student's name (the issue item 2)."""
    student = application.student  # type: ignore[attr-defined]
    if application.state == "approved":  # type: ignore[attr-defined]
        return str(student.name)
    return mask_name(student.name)
