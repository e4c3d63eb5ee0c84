-- Personal data: erasure on request and on schedule. Erasing deletes the
-- disclosures (values and salts) of an entry; its signed payload stays, so
-- every list still verifies. What was erased is recorded, never the values.

-- JSON array of the committed fields of this entry whose disclosures were erased.
ALTER TABLE entries ADD COLUMN erased TEXT NOT NULL DEFAULT '[]';

-- One row per erasure: who (a secretary's email, 'attendee', 'operator' or
-- 'retention'), when, which entry and which fields.
CREATE TABLE erasures (
    id          INTEGER PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES meetings(id),
    idx         INTEGER NOT NULL,
    fields      TEXT NOT NULL,                  -- JSON array of field names
    erased_by   TEXT NOT NULL,
    erased_at   TEXT NOT NULL                   -- RFC 3339
);
CREATE INDEX erasures_by_meeting ON erasures (meeting_id);

-- Days after closing that the meeting keeps its attendees' personal data;
-- NULL: the server's --retain-personal-data.
ALTER TABLE meetings ADD COLUMN retain_days INTEGER;
-- When the retention job erased the meeting's personal data; NULL until then.
ALTER TABLE meetings ADD COLUMN personal_data_erased_at TEXT;
