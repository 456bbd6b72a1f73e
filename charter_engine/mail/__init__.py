"""Outgoing mail: the outbox every package writes to inside its transaction, and its delivery over
SMTP after the commit. It sits below the feature packages (accounts send invitations through it,
notifications send their mails through it) and imports none of them."""
