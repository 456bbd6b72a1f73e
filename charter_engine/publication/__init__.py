"""Publishing the charter: the provenance it carries (blame, the amendments that shaped each
clause, the changelog), releases, the data behind the public pages, and exports (Markdown, HTML,
PDF, DOCX, JSON, and redlines) cached by content hash."""
