-- A meeting's sessions (the days or half-days of a plenary), as the
-- secretary defines them. Opening and closing a session are signed entries
-- of the meeting's log (kinds 'session-open' and 'session-close'); whether a
-- session is open is read from there, never stored twice.

CREATE TABLE meeting_sessions (
    meeting_id  TEXT COLLATE "C" NOT NULL REFERENCES meetings(id),
    number      BIGINT NOT NULL,                -- 1, 2, 3… within the meeting
    name        TEXT NOT NULL,
    starts_at   TEXT NOT NULL,                  -- RFC 3339 with offset
    ends_at     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, number)
);
