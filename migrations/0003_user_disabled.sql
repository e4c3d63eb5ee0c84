-- Secretary accounts can be disabled (`rollcall user disable`) but are never
-- deleted: meetings and signed entries name who created and recorded them.
-- A disabled account cannot sign in and has no sessions.

-- When the account was disabled (RFC 3339); NULL while it is enabled.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
