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


class ProposalForm(Form):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the amendment a short title."), Length(max=TITLE)],
        description="A few words that say what the amendment does.",
    )
    rationale = TextAreaField(
        "Rationale",
        validators=[Optional(), TextLength(RATIONALE)],
        render_kw={"rows": 4},
        description="Why the change is needed. Markdown works.",
    )
    base_revision = HiddenField()


class EditClauseForm(ProposalForm):
    clause = HiddenField()
    text = TextAreaField(
        "New text of the clause",
        validators=[DataRequired("Write the new text of the clause."), TextLength(CLAUSE_TEXT)],
        render_kw={"rows": 10, "class": "text-edit"},
    )


class InsertForm(ProposalForm):
    after = SelectField("Insert after", validate_choice=False)
    text = TextAreaField(
        "Text of the new clause",
        validators=[DataRequired("Write the text of the new clause."), TextLength(CLAUSE_TEXT)],
        render_kw={"rows": 8, "class": "text-edit"},
    )


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
    title = StringField(
        "Title",
        validators=[DataRequired("Give the amendment a short title."), Length(max=TITLE)],
    )
    rationale = TextAreaField(
        "Rationale", validators=[Optional(), TextLength(RATIONALE)], render_kw={"rows": 4}
    )
    version = HiddenField()


class SubAmendmentForm(Form):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the sub-amendment a short title."), Length(max=TITLE)],
    )
    rationale = TextAreaField(
        "Rationale", validators=[Optional(), TextLength(RATIONALE)], render_kw={"rows": 4}
    )


class ResolveForm(Form):
    version = HiddenField()
