"""What an organization offers: classes with weekly schedules, camps, parties."""

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from portal.formatting import format_money, format_time
from portal.tenancy.models import TenantModel

# An enrollment or a cart item is for exactly one class, camp or party slot.
ONE_OFFERING = (
    models.Q(klass__isnull=False, event__isnull=True, party_slot__isnull=True)
    | models.Q(klass__isnull=True, event__isnull=False, party_slot__isnull=True)
    | models.Q(klass__isnull=True, event__isnull=True, party_slot__isnull=False)
)

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Program(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("program")

    def __str__(self):
        return self.name


class Level(TenantModel):
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="levels"
    )
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["program__sort_order", "sort_order", "name"]
        verbose_name = _("level")

    def __str__(self):
        return f"{self.program} – {self.name}"


class Instructor(TenantModel):
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["first_name", "last_name"]
        verbose_name = _("instructor")

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()


class GenderRule(models.TextChoices):
    ANY = "any", _("Any")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class AgeRange(models.Model):
    """Ages in whole years and months, compared on the start date."""

    min_age_years = models.PositiveSmallIntegerField(_("minimum age, years"), default=0)
    min_age_months = models.PositiveSmallIntegerField(_("and months"), default=0)
    max_age_years = models.PositiveSmallIntegerField(
        _("maximum age, years"), null=True, blank=True
    )
    max_age_months = models.PositiveSmallIntegerField(_("and months"), default=0)

    class Meta:
        abstract = True

    @property
    def min_age_in_months(self):
        return self.min_age_years * 12 + self.min_age_months

    @property
    def max_age_in_months(self):
        if self.max_age_years is None:
            return None
        return self.max_age_years * 12 + self.max_age_months

    def clean_ages(self):
        errors = {}
        for field in ("min_age_months", "max_age_months"):
            if getattr(self, field) > 11:
                errors[field] = _("Months go from 0 to 11.")
        top = self.max_age_in_months
        if top is not None and top < self.min_age_in_months:
            errors["max_age_years"] = _("The maximum age is below the minimum.")
        if errors:
            raise ValidationError(errors)


class TuitionPeriod(models.TextChoices):
    MONTH = "month", _("per month")
    LESSON = "lesson", _("per lesson")


class Class(ClusterableModel, AgeRange):
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=150)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(
        Level, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.ForeignKey(
        "tenancy.Location", on_delete=models.PROTECT, related_name="+"
    )
    instructor = models.ForeignKey(
        Instructor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    season_start = models.DateField(_("first day"))
    season_end = models.DateField(_("last day"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=8)
    gender = models.CharField(
        _("gender"), max_length=10, choices=GenderRule.choices, default=GenderRule.ANY
    )
    tuition = models.DecimalField(_("tuition"), **MONEY, default=0)
    tuition_period = models.CharField(
        _("charged"),
        max_length=10,
        choices=TuitionPeriod.choices,
        default=TuitionPeriod.MONTH,
    )
    registration_fee = models.DecimalField(_("registration fee"), **MONEY, default=0)
    registration_fee_every_time = models.BooleanField(
        _("charge the registration fee for every enrollment"),
        default=False,
        help_text=_("Otherwise a student pays it once per season per program."),
    )
    online_enrollment = models.BooleanField(
        _("online enrollment allowed"), default=True
    )
    waitlist_allowed = models.BooleanField(_("waitlist allowed"), default=True)
    registration_opens_at = models.DateTimeField(
        _("registration opens at"), null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    # The earliest weekly meeting, kept by save() so that the booking list can
    # sort by day and time with a plain ORDER BY instead of a subquery per row.
    # Active enrollments, kept by the enrolling services so that lists can
    # show openings without counting; a check compares it with the count.
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    first_weekday = models.PositiveSmallIntegerField(null=True, editable=False)
    first_start = models.TimeField(null=True, editable=False)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        indexes = [models.Index(fields=["organization", "season_end"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The schedules are the in-memory ones when a form or class_create set
        # them; ClusterableModel.save() writes them right after this row.
        first = min(
            ((s.weekday, s.start_time) for s in self.schedules.all()), default=None
        )
        self.first_weekday, self.first_start = first or (None, None)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "first_weekday", "first_start"}
        super().save(*args, **kwargs)

    @property
    def when_label(self):
        """'Monday 4:00 PM–4:45 PM, Wednesday …' (schedules prefetched, or
        loaded into `schedule_list` by the class list's selector)."""
        schedules = getattr(self, "schedule_list", None)
        if schedules is None:
            schedules = self.schedules.all()
        return ", ".join(schedule.label for schedule in schedules)

    @property
    def price_label(self):
        """'$88.00 per month' in the organization's currency (the listing
        selectors load the organization with the class)."""
        return _("%(price)s %(period)s") % {
            "price": format_money(self.tuition, self.organization.currency),
            "period": TuitionPeriod(self.tuition_period).label,
        }

    @property
    def ages_label(self):
        if self.max_age_years is None:
            return _("%(y)s years and up") % {"y": self.min_age_years}
        return _("Ages %(a)s–%(b)s") % {
            "a": self.min_age_years,
            "b": self.max_age_years,
        }

    def clean(self):
        super().clean()
        self.clean_ages()
        if (
            self.season_start
            and self.season_end
            and self.season_end < self.season_start
        ):
            raise ValidationError(
                {"season_end": _("The last day is before the first.")}
            )
        if (
            self.level_id
            and self.program_id
            and self.level.program_id != self.program_id
        ):
            raise ValidationError(
                {"level": _("This level belongs to another program.")}
            )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# Labels of class cards are built for every card of every list; the same few
# days and times repeat, so they are formatted once per language. A weekly
# time is the location's wall clock: no zone conversion.
@lru_cache(maxsize=1024)
def _clock(value, language):
    return format_time(value)


@lru_cache(maxsize=64)
def _day_name(weekday, language):
    return str(Weekday(weekday).label)


class ClassSchedule(models.Model):
    """One weekly meeting: weekday, start and end (location's local time)."""

    klass = ParentalKey(Class, on_delete=models.CASCADE, related_name="schedules")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))

    class Meta:
        ordering = ["weekday", "start_time"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}"

    @property
    def label(self):
        """'Monday 4:00 PM–4:45 PM' in the active language."""
        language = get_language()
        return (
            f"{_day_name(self.weekday, language)} "
            f"{_clock(self.start_time, language)}–{_clock(self.end_time, language)}"
        )

    def clean(self):
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The class ends before it starts.")})


class Event(TenantModel, AgeRange):
    """A camp: consecutive days with the same daily times."""

    name = models.CharField(_("name"), max_length=150)
    location = models.ForeignKey(
        "tenancy.Location", on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    daily_start = models.TimeField(_("daily start"))
    daily_end = models.TimeField(_("daily end"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=20)
    price = models.DecimalField(_("price, whole camp"), **MONEY)
    price_per_day = models.DecimalField(
        _("price per day"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("Leave empty when days cannot be booked one by one."),
    )
    online_enrollment = models.BooleanField(
        _("online enrollment allowed"), default=True
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["start_date", "name"]
        verbose_name = _("event (camp)")
        verbose_name_plural = _("events (camps)")

    def __str__(self):
        return self.name

    def clean(self):
        self.clean_ages()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day is before the first.")})
        if self.daily_start and self.daily_end and self.daily_end <= self.daily_start:
            raise ValidationError({"daily_end": _("The day ends before it starts.")})


class PartyPackage(TenantModel):
    name = models.CharField(_("name"), max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(
        _("length in minutes"), default=90
    )
    price = models.DecimalField(_("price"), **MONEY)
    deposit = models.DecimalField(_("deposit"), **MONEY, default=0)
    guest_limit = models.PositiveSmallIntegerField(_("guest limit"), default=15)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["price", "name"]
        verbose_name = _("party package")

    def __str__(self):
        return self.name

    def clean(self):
        if self.deposit is not None and self.price is not None:
            if self.deposit > self.price:
                raise ValidationError({"deposit": _("The deposit exceeds the price.")})


class PartySlot(TenantModel):
    """A time a party can start at one location."""

    location = models.ForeignKey(
        "tenancy.Location", on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("party time slot")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "starts_at"], name="party_slot_unique"
            )
        ]

    def __str__(self):
        return f"{self.location} {self.starts_at:%Y-%m-%d %H:%M}"


class Blackout(TenantModel):
    """Closed dates (optionally only some hours): meetings inside are cancelled."""

    location = models.ForeignKey(
        "tenancy.Location",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every location."),
    )
    name = models.CharField(_("name"), max_length=120)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    start_time = models.TimeField(_("from time"), null=True, blank=True)
    end_time = models.TimeField(_("to time"), null=True, blank=True)

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("blackout")

    def __str__(self):
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end is before the start.")})
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError(
                {"end_time": _("Give both times, or neither for whole days.")}
            )
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The end is before the start.")})

    def covers(self, day, start, end):
        if not self.start_date <= day <= self.end_date:
            return False
        if self.start_time is None:
            return True
        return start < self.end_time and self.start_time < end
