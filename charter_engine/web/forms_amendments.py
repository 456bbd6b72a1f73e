"""WTForms forms of the amendment pages: proposing (one form per kind of change), editing,
sub-amendments and backing. Texts of individual changes on the edit, resolve and sub-amendment
pages are plain textareas named ``change-<n>`` (their number varies per amendment)."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from charter_engine.limits import CLAUSE_TEXT, DOCUMENT, RATIONALE, TITLE
from charter_engine.web.forms import Form, TextLength

# The submit button pressed: show a preview, save as a draft, or save and submit.
INTENTS = ("preview", "draft", "submit")


def _title_field(what: str, description: str = "") -> StringField:
    return StringField(
        "Title",
        validators=[DataRequired(f"Give the {what} a short title."), Length(max=TITLE)],
        description=description,
    )


def _rationale_field(description: str = "") -> TextAreaField:
    return TextAreaField(
        "Rationale",
        validators=[Optional(), TextLength(RATIONALE)],
        render_kw={"rows": 4},
        description=description,
    )


def _clause_text_field(label: str, missing: str, *, rows: int) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[DataRequired(missing), TextLength(CLAUSE_TEXT)],
        render_kw={"rows": rows, "class": "text-edit"},
    )


class ProposalForm(Form):
    title = _title_field("amendment", "A few words that say what the amendment does.")
    rationale = _rationale_field("Why the change is needed. Markdown works.")
    base_revision = HiddenField()


class EditClauseForm(ProposalForm):
    clause = HiddenField()
    text = _clause_text_field(
        "New text of the clause", "Write the new text of the clause.", rows=10
    )


class InsertForm(ProposalForm):
    after = SelectField("Insert after", validate_choice=False)
    text = _clause_text_field("Text of the new clause", "Write the text of the new clause.", rows=8)


class DeleteForm(ProposalForm):
    clause = SelectField("Clause to delete", validate_choice=False)


class MoveForm(ProposalForm):
    clause = SelectField("Clause to move", validate_choice=False)
    after = SelectField("Move it after", validate_choice=False)


class DocumentForm(ProposalForm):
    text = TextAreaField(
        "The whole charter",
        validators=[DataRequired("The document is empty."), TextLength(DOCUMENT)],
        render_kw={"rows": 30, "class": "text-edit document-edit"},
    )
    # SHA-256 of the text whose derived changes were last shown: saving needs a fresh preview.
    previewed = HiddenField()


class EditAmendmentForm(Form):
    title = _title_field("amendment")
    rationale = _rationale_field()
    version = HiddenField()


class SubAmendmentForm(Form):
    title = _title_field("sub-amendment")
    rationale = _rationale_field()


class ResolveForm(Form):
    version = HiddenField()
