"""Publishing the charter: releases, the data behind the public pages, and exports (Markdown,
HTML, PDF, DOCX, JSON, and redlines) cached by content hash."""
