-- The roster of expected participants, imported by a secretary. Its rows are
-- personal data, kept here and never signed: the log commits only to their
-- number and the SHA-256 of the roster's canonical form ('roster' entries).
-- Delegation snapshots are signed entries too ('delegations'); entry kinds
-- are not limited by a CHECK constraint (0006), so no table is rebuilt.

-- A meeting's current roster: what its latest import committed to, and the
-- log index of the roster entry that commits to it (NULL while the meeting
-- is a draft, until it opens).
CREATE TABLE rosters (
    meeting_id     TEXT PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,               -- of the canonical form, lowercase hex
    imported_by    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,               -- RFC 3339
    committed_idx  INTEGER
);

-- Its rows, in canonical order (row_no from 1). Erasure blanks a row's
-- values and sets `erased`; the retention job deletes them all.
CREATE TABLE roster_rows (
    meeting_id    TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    row_no        INTEGER NOT NULL,
    name          TEXT NOT NULL,
    organization  TEXT NOT NULL,
    country       TEXT NOT NULL,
    role          TEXT NOT NULL,
    email         TEXT,
    erased        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, row_no)
);

-- The secretary's decisions on doubtful matches of a roster row and a
-- check-in: 'confirmed' (the same person) or 'rejected'.
CREATE TABLE roster_matches (
    meeting_id  TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    row_no      INTEGER NOT NULL,
    check_in    INTEGER NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, row_no, check_in)
);
