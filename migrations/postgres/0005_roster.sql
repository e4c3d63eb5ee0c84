-- As ../0008_roster.sql: the roster of expected participants (personal
-- data, never signed; the log commits to its size and digest), the
-- secretary's decisions on doubtful matches. The new entry kinds,
-- 'roster' and 'delegations', need no change: kinds are not constrained
-- (0003).

CREATE TABLE rosters (
    meeting_id     TEXT PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    imported_by    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    committed_idx  BIGINT
);

CREATE TABLE roster_rows (
    meeting_id    TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    row_no        BIGINT NOT NULL,
    name          TEXT NOT NULL,
    organization  TEXT NOT NULL,
    country       TEXT NOT NULL,
    role          TEXT NOT NULL,
    email         TEXT,
    erased        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, row_no)
);

CREATE TABLE roster_matches (
    meeting_id  TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    row_no      BIGINT NOT NULL,
    check_in    BIGINT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, row_no, check_in)
);
