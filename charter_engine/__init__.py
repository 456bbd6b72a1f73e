"""Charter Engine: draft a charter together, amend it clause by clause, vote, and publish it."""

__version__ = "0.1.0"
