"""Access: API tokens and the roles they carry (users and sessions come later)."""
