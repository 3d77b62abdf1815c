"""Writes for the catalog."""

from django.db import transaction

from .models import Class, ClassSchedule


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def class_create(*, organization, schedules: list[dict], **fields) -> Class:
    """A class with its weekly meetings: [{"weekday", "start_time", "end_time"}]."""
    klass = Class(organization=organization, **fields)
    for item in schedules:
        klass.schedules.add(ClassSchedule(**item))
    klass.full_clean()
    for schedule in klass.schedules.all():
        schedule.full_clean(exclude=["klass"])
    klass.save()
    return klass


def record_create(model, **fields):
    """Any other catalog row (program, level, event, blackout ...), validated."""
    return _save(model(**fields))
