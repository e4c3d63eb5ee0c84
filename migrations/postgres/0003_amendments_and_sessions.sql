-- New kinds of entries: a secretary's amendments, correcting a check-in
-- ('correction') or striking one recorded in error ('strike'), and the
-- meeting's sessions ('session-open', 'session-close'). `amends` is the
-- index of the check-in an amendment names, so erasing an attendee's
-- personal data erases the corrected values too; `session` is the session a
-- check-in was made in (or a session entry opens or closes).
--
-- The kind of an entry is no longer limited by a CHECK constraint: it is
-- written only from the log writer's EntryKind.

ALTER TABLE entries DROP CONSTRAINT entries_kind_check;
ALTER TABLE entries ADD COLUMN amends BIGINT;
ALTER TABLE entries ADD COLUMN session BIGINT;
