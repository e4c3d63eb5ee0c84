-- New kinds of entries: a secretary's amendments, correcting a check-in
-- ('correction') or striking one recorded in error ('strike'), and the
-- meeting's sessions ('session-open', 'session-close'). `amends` is the
-- index of the check-in an amendment names, so erasing an attendee's
-- personal data erases the corrected values too; `session` is the session a
-- check-in was made in (or a session entry opens or closes).
--
-- The kind of an entry is no longer limited by a CHECK constraint: it is
-- written only from the log writer's EntryKind, and every new kind would
-- otherwise mean rebuilding this, the largest table. SQLite cannot drop a
-- CHECK constraint in place: the table is rebuilt, row for row, inside this
-- migration's transaction.

CREATE TABLE entries_new (
    meeting_id   TEXT NOT NULL REFERENCES meetings(id),
    idx          INTEGER NOT NULL,
    kind         TEXT NOT NULL,                 -- src: trust::log_core::EntryKind
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
    session      INTEGER,                       -- for a check-in or a session entry: the session
    UNIQUE (meeting_id, idx)
);

INSERT INTO entries_new (meeting_id, idx, kind, payload, signature, keyid, disclosures, leaf,
                         email_key, device_key, created_at, erased)
SELECT meeting_id, idx, kind, payload, signature, keyid, disclosures, leaf,
       email_key, device_key, created_at, erased
FROM entries;

DROP TABLE entries;
ALTER TABLE entries_new RENAME TO entries;
