-- Amendments: a secretary corrects a check-in ('correction') or strikes one
-- recorded in error ('strike'), as a signed entry naming the original, which
-- stays in the log. `amends` is the index of that check-in, so erasing an
-- attendee's personal data erases the corrected values too.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt,
-- row for row, inside this migration's transaction.

CREATE TABLE entries_new (
    meeting_id   TEXT NOT NULL REFERENCES meetings(id),
    idx          INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('meeting', 'check-in', 'notes', 'correction', 'strike', 'close')),
    payload      BLOB NOT NULL,                 -- exact signed bytes (DSSE payload)
    signature    BLOB NOT NULL,                 -- Ed25519 signature over PAE(payloadType, payload)
    keyid        TEXT NOT NULL,                 -- DSSE keyid of the signing key
    disclosures  TEXT NOT NULL,                 -- JSON array of disclosures
    leaf         BLOB NOT NULL,                 -- RFC 6962 leaf hash
    email_key    TEXT,                          -- normalised email, for duplicates
    device_key   TEXT,                          -- hash of device cookie and name, for duplicates
    created_at   TEXT NOT NULL,
    erased       TEXT NOT NULL DEFAULT '[]',    -- JSON array of erased committed fields
    amends       INTEGER,                       -- for an amendment: the check-in's idx
    UNIQUE (meeting_id, idx)
);

INSERT INTO entries_new (meeting_id, idx, kind, payload, signature, keyid, disclosures, leaf,
                         email_key, device_key, created_at, erased)
SELECT meeting_id, idx, kind, payload, signature, keyid, disclosures, leaf,
       email_key, device_key, created_at, erased
FROM entries;

DROP TABLE entries;
ALTER TABLE entries_new RENAME TO entries;
