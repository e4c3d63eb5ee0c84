-- Amendments: a secretary corrects a check-in ('correction') or strikes one
-- recorded in error ('strike'), as a signed entry naming the original, which
-- stays in the log. `amends` is the index of that check-in, so erasing an
-- attendee's personal data erases the corrected values too.

ALTER TABLE entries DROP CONSTRAINT entries_kind_check;
ALTER TABLE entries ADD CONSTRAINT entries_kind_check
    CHECK (kind IN ('meeting', 'check-in', 'notes', 'correction', 'strike', 'close'));
ALTER TABLE entries ADD COLUMN amends BIGINT;
