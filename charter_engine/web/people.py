"""The Core Group directory and profiles; the secretariat's invitations and account management.

Everyone signed in sees the directory and profiles; contact details (email, phone) only members and
the secretariat (``directory:contact``). Deactivated accounts are listed for the secretariat only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from charter_engine import limits
from charter_engine.accounts.countries import country_choices, country_name
from charter_engine.accounts.directory import (
    areas_in_use,
    countries_in_use,
    directory_query,
    members_per_country,
)
from charter_engine.accounts.invitations import invite_member, resend_invitation
from charter_engine.accounts.models import ROLES, User, fold
from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.accounts.profiles import (
    change_role,
    deactivate_user,
    reactivate_user,
    update_profile,
)
from charter_engine.context import db
from charter_engine.errors import Conflict, NotFound, ValidationError
from charter_engine.ids import is_id
from charter_engine.web.auth import signer
from charter_engine.web.country_map import LEGEND, render_map
from charter_engine.web.forms import EmailAddress, Form, TextLength, choices
from charter_engine.web.pagination import paginate
from charter_engine.web.security import require_user

bp = Blueprint("people", __name__, url_prefix="/people")


def profile_url(obj: Any) -> str:
    """The profile page of an account (given as a row or an id)."""
    return url_for("people.profile", user_id=getattr(obj, "id", obj))


ROLE_LABELS = {"member": "Member", "secretariat": "Secretariat", "observer": "Observer"}


def _country_select_choices() -> list[SelectChoice]:
    return choices([("", "— not given —"), *country_choices()])


class ProfileForm(Form):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=limits.NAME)],
        render_kw={"autocomplete": "name"},
    )
    organisation = StringField(
        "Organisation",
        validators=[Optional(), Length(max=limits.ORGANISATION)],
        render_kw={"autocomplete": "organization"},
    )
    country = SelectField("Country", validators=[Optional()])
    role_title = StringField(
        "Role in your organisation",
        validators=[Optional(), Length(max=limits.ROLE_TITLE)],
        render_kw={"autocomplete": "organization-title"},
    )
    areas = StringField("Areas of work", validators=[Optional(), Length(max=limits.AREAS)])
    bio = TextAreaField(
        "Short biography", validators=[Optional(), TextLength(limits.BIO)], render_kw={"rows": 6}
    )
    phone = StringField(
        "Phone",
        validators=[Optional(), Length(max=limits.PHONE)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class InviteForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=limits.NAME)])
    email = EmailField("Email address", validators=[DataRequired(), EmailAddress()])
    role = SelectField(
        "Role", choices=choices((r, ROLE_LABELS[r]) for r in ROLES), default="member"
    )
    organisation = StringField(
        "Organisation", validators=[Optional(), Length(max=limits.ORGANISATION)]
    )
    country = SelectField("Country", validators=[Optional()])


class RoleForm(Form):
    role = SelectField("Role", choices=choices((r, ROLE_LABELS[r]) for r in ROLES))


def _load_person(user_id: int, viewer: User) -> User:
    person = db().get(User, user_id) if is_id(user_id) else None
    if person is None or (not person.active and not can(viewer, "user:deactivate", person)):
        raise NotFound("There is no such person in the directory.")
    return person


@bp.get("/")
def directory() -> ResponseReturnValue:
    viewer = require_user()
    ensure_can(viewer, "directory:view")
    filters = {
        "q": (request.args.get("q") or "").strip()[:200],
        "country": (request.args.get("country") or "").strip().upper()[:2],
        "area": (request.args.get("area") or "").strip()[:100],
    }
    staff = can(viewer, "user:deactivate")
    stmt = directory_query(
        search=filters["q"],
        country=filters["country"] or None,
        area=filters["area"] or None,
        include_inactive=staff,
    )
    page = paginate(db(), stmt, page=request.args.get("page"), per_page=50)
    return render_template(
        "people/directory.html",
        page=page,
        filters=filters,
        active_filters={k: v for k, v in filters.items() if v},
        areas=areas_in_use(db()),
        countries=countries_in_use(db()),
        show_contact=can(viewer, "directory:contact"),
        role_labels=ROLE_LABELS,
    )


@bp.get("/map")
def country_map() -> ResponseReturnValue:
    viewer = require_user()
    ensure_can(viewer, "directory:view")
    counts = members_per_country(db())
    return render_template(
        "people/map.html",
        svg=render_map(counts, link=url_for("people.directory") + "?country={code}"),
        counts=sorted(counts.items(), key=lambda item: (-item[1], fold(country_name(item[0])))),
        total=sum(counts.values()),
        legend=LEGEND,
    )


@bp.get("/<int:user_id>")
def profile(user_id: int) -> ResponseReturnValue:
    viewer = require_user()
    ensure_can(viewer, "directory:view")
    person = _load_person(user_id, viewer)
    role_form = (
        RoleForm(data={"role": person.role}) if can(viewer, "user:change_role", person) else None
    )
    return render_template(
        "people/profile.html",
        person=person,
        show_contact=can(viewer, "directory:contact") or viewer.id == person.id,
        role_labels=ROLE_LABELS,
        role_form=role_form,
    )


@bp.route("/me/edit", methods=["GET", "POST"])
def edit_profile() -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "user:edit_self", user)
    form = ProfileForm(obj=user)
    form.country.choices = _country_select_choices()
    if form.validate_on_submit():
        try:
            update_profile(
                db(),
                user,
                actor=user,
                name=form.name.data,
                organisation=form.organisation.data,
                country=form.country.data,
                role_title=form.role_title.data,
                areas=form.areas.data,
                bio=form.bio.data,
                phone=form.phone.data,
            )
        except ValidationError as exc:
            getattr(form, exc.field or "name", form.name).errors = [exc.message]
        else:
            db().commit()
            flash("Your profile is saved.", "success")
            return redirect(url_for("people.profile", user_id=user.id))
    return render_template("people/edit.html", form=form)


@bp.route("/invite", methods=["GET", "POST"])
def invite() -> ResponseReturnValue:
    actor = require_user()
    ensure_can(actor, "user:invite")
    form = InviteForm()
    form.country.choices = _country_select_choices()
    if form.validate_on_submit():
        try:
            person = invite_member(
                db(),
                email=form.email.data,
                name=form.name.data,
                role=form.role.data or "member",
                organisation=form.organisation.data,
                country=form.country.data or None,
                actor=actor,
                signer=signer(),
            )
        except ValidationError as exc:
            getattr(form, exc.field or "email", form.email).errors = [exc.message]
        except Conflict as exc:
            form.email.errors = [exc.message]
        else:
            db().commit()
            flash(
                f"{person.name} is invited; the invitation mail is on its way to {person.email}.",
                "success",
            )
            return redirect(url_for("people.profile", user_id=person.id))
    return render_template("people/invite.html", form=form)


def _person_for_action(user_id: int, permission: str) -> tuple[User, User]:
    actor = require_user()
    ensure_can(actor, permission)
    person = db().get(User, user_id) if is_id(user_id) else None
    if person is None:
        raise NotFound("There is no such person.")
    ensure_can(actor, permission, person)
    return actor, person


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int) -> ResponseReturnValue:
    actor, person = _person_for_action(user_id, "user:deactivate")
    try:
        deactivate_user(db(), person, actor=actor)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("people.profile", user_id=person.id))
    db().commit()
    flash(f"{person.name}'s account is deactivated and signed out everywhere.", "success")
    return redirect(url_for("people.profile", user_id=person.id))


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int) -> ResponseReturnValue:
    actor, person = _person_for_action(user_id, "user:deactivate")
    reactivate_user(db(), person, actor=actor)
    db().commit()
    flash(f"{person.name}'s account is active again.", "success")
    return redirect(url_for("people.profile", user_id=person.id))


@bp.post("/<int:user_id>/role")
def set_role(user_id: int) -> ResponseReturnValue:
    actor, person = _person_for_action(user_id, "user:change_role")
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the roles.", "error")
        return redirect(url_for("people.profile", user_id=person.id))
    try:
        change_role(db(), person, role=form.role.data or "", actor=actor)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("people.profile", user_id=person.id))
    db().commit()
    flash(f"{person.name} is now {ROLE_LABELS[person.role].lower()}.", "success")
    return redirect(url_for("people.profile", user_id=person.id))


@bp.post("/<int:user_id>/invitation")
def resend(user_id: int) -> ResponseReturnValue:
    actor, person = _person_for_action(user_id, "user:invite")
    resend_invitation(db(), person, actor=actor, signer=signer())
    db().commit()
    flash(f"A new invitation is on its way to {person.email}.", "success")
    return redirect(url_for("people.profile", user_id=person.id))
