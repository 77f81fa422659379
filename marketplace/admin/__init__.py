"""Administration: users, roles and the e-mail outbox."""
