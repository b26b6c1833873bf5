"""Forms for the member portal: real labels, limits on every text, nothing binary where text goes."""

from __future__ import annotations

import re

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import lazy_gettext as _l
from portal.members.network import identifying_details
from portal.members.recurrence import to_rrule
from portal.models import AGE_BANDS, READINESS_STEPS, TARGETS
from portal.templating import TARGET_LABELS

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice as _Choice
except ImportError:  # pragma: no cover - WTForms < 3.3
    _Choice = None


def choices(pairs) -> list:
    """Select and radio options from (value, label) pairs, in the form this WTForms wants."""
    return [_Choice(str(value), label) if _Choice else (str(value), label) for value, label in pairs]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


FILE_MARKER = "\x00(file)"  # what a text field receives when a file was sent in its place


def plain_text(form, field) -> None:
    """Pasted image data, binary garbage or an uploaded file is refused with a reason, not stored."""
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise StopValidation(_l("This looks like a file or image, not text. Type the text instead."))


class TextForm(FlaskForm):
    """A form of text fields only: a file sent where text goes becomes a marker that `plain_text` refuses."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            if data is None or not request.files:
                return data
            out = MultiDict(request.form)
            for key in request.files:
                out.setlist(key, [FILE_MARKER])
            return out


def no_identifying_details(form, field) -> None:
    reasons = {
        "name": _l("It looks like a person's name (a name with さん, 様, くん or ちゃん)."),
        "phone": _l("It looks like a phone number."),
        "email": _l("It looks like an e-mail address."),
        "address": _l("It looks like a street address (丁目, 番地 or numbers like 1-2-3)."),
    }
    found = identifying_details(field.data or "")
    if found:
        why = " ".join(str(reasons[code]) for code in found)
        raise ValidationError(
            _l("Requests must not identify anyone. %(why)s Describe the need without it.", why=why)
        )


def valid_repeat(form, field) -> None:
    if field.data and to_rrule(field.data) is None:
        raise ValidationError(_l("Write how it repeats like 毎週水曜, 第2火曜, 第1・第3土曜 or 毎月15日."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def target_choices():
    return choices((t, TARGET_LABELS[t]) for t in TARGETS)


READINESS_LABELS = {
    "social": _l("Social participation"),
    "daily_life": _l("Daily life"),
    "employment": _l("Employment"),
}
AGE_BAND_LABELS = {
    "under_18": _l("Under 18"),
    "18_39": _l("18 to 39"),
    "40_64": _l("40 to 64"),
    "65_plus": _l("65 and over"),
}


def text(label, max_length: int, required: bool = False, area: bool = False, extra=()):
    validators = [DataRequired() if required else Optional(), plain_text, Length(max=max_length), *extra]
    field = TextAreaField if area else StringField
    return field(label, validators=validators, filters=[lambda v: v.strip() if isinstance(v, str) else v])


class LoginForm(TextForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class TwoFactorForm(TextForm):
    code = StringField(
        _l("6-digit code from your authenticator app"), validators=[DataRequired(), Length(min=6, max=8)]
    )


class SetPasswordForm(TextForm):
    display_name = text(_l("Your name (shown to coordinators only)"), 200)
    password = PasswordField(
        _l("New password (at least 10 characters)"), validators=[DataRequired(), Length(min=10, max=256)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class ListingForm(TextForm):
    """The fields every kind shares; the view removes the ones a kind does not have."""

    name = text(_l("Name"), 300, required=True)
    name_kana = text(_l("Reading of the name (hiragana)"), 300)
    summary = text(_l("Summary (one line)"), 500)
    description = text(_l("Description"), 5000, area=True)
    area = SelectField(_l("Area"), choices=[], validate_choice=True, validators=[Optional()])
    targets = MultiCheckboxField(_l("For whom"), choices=[])
    hours = text(_l("Days and hours"), 1000, area=True)
    address = text(_l("Address"), 300)
    phone = text(_l("Phone"), 50)
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200), Email()])
    url = text(_l("Web page"), 500)
    readiness = RadioField(_l("Work-readiness step it suits"), choices=[], validators=[Optional()])
    capacity = IntegerField(
        _l("How many people at a time"), validators=[Optional(), NumberRange(min=0, max=10000)]
    )
    needs_companion = BooleanField(_l("Someone must come with the person"))
    starts_at = DateTimeLocalField(_l("Starts"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    ends_at = DateTimeLocalField(_l("Ends"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    repeat = text(_l("Repeats (for example 第2火曜); empty for a one-off event"), 200, extra=[valid_repeat])


class TranslationForm(TextForm):
    name = text(_l("Name"), 300)
    summary = text(_l("Summary (one line)"), 500)
    description = text(_l("Description"), 5000, area=True)
    hours = text(_l("Days and hours"), 1000, area=True)


class InviteForm(TextForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254), Email()])
    role = RadioField(
        _l("Role"),
        choices=choices([("member", _l("Member organisation")), ("coordinator", _l("Coordinator"))]),
        default="member",
    )  # fmt: skip
    organisation = SelectField(_l("Existing member organisation"), choices=[], validate_choice=False)
    new_organisation = text(_l("Or the name of a new member organisation"), 300)


class RequestForm(TextForm):
    age_band = RadioField(
        _l("Age band"), choices=choices((band, AGE_BAND_LABELS[band]) for band in AGE_BANDS),
        validators=[InputRequired()],
    )  # fmt: skip
    area = SelectField(_l("Area"), choices=[], validate_choice=True, validators=[Optional()])
    wanted = text(
        _l("What kind of place or role would help"),
        2000,
        required=True,
        area=True,
        extra=[no_identifying_details],
    )
    when = text(_l("When (days, times)"), 500, extra=[no_identifying_details])
    constraints = text(_l("Things to keep in mind"), 2000, area=True, extra=[no_identifying_details])


class OfferForm(TextForm):
    menu = SelectField(_l("One of your support menus"), choices=[], validate_choice=True)
    idea = text(_l("Or a new idea"), 2000, area=True)


class NetworkEventForm(TextForm):
    title = text(_l("Title"), 300, required=True)
    starts_at = DateTimeLocalField(_l("Starts"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    place = text(_l("Place or online link"), 300)
    description = text(_l("Description"), 5000, area=True)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class EmptyForm(TextForm):
    """Buttons that post (confirm, approve, revert, logout): CSRF only."""


__all__ = ["READINESS_STEPS"]
