-- rollcall schema. Entries are append-only: the exact signed payload bytes
-- are stored and never rewritten; disclosures may be erased on request.

CREATE TABLE codes (
    sha256      TEXT PRIMARY KEY,              -- hex SHA-256 of text
    name        TEXT NOT NULL,
    language    TEXT NOT NULL,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,              -- argon2id PHC string
    created_at     TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash     BLOB PRIMARY KEY,               -- SHA-256 of the cookie value
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,               -- unix seconds
    last_seen   INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  BLOB NOT NULL UNIQUE,           -- SHA-256 of the token
    created_at  TEXT NOT NULL,
    last_used   TEXT
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);

CREATE TABLE meetings (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    committee     TEXT NOT NULL,
    location      TEXT NOT NULL,
    starts_at     TEXT NOT NULL,                -- RFC 3339 with offset
    ends_at       TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    code_sha256   TEXT NOT NULL REFERENCES codes(sha256),
    languages     TEXT NOT NULL,                -- JSON array of BCP 47 tags
    presence      TEXT NOT NULL CHECK (presence IN ('rotating', 'static')),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    origin        TEXT NOT NULL,                -- log origin
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    opened_at     TEXT,
    closed_at     TEXT
);

CREATE TABLE entries (
    meeting_id   TEXT NOT NULL REFERENCES meetings(id),
    idx          INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('meeting', 'check-in', 'notes', 'close')),
    payload      BLOB NOT NULL,                 -- exact signed bytes (DSSE payload)
    signature    BLOB NOT NULL,                 -- Ed25519 signature over PAE(payloadType, payload)
    keyid        TEXT NOT NULL,                 -- DSSE keyid of the signing key
    disclosures  TEXT NOT NULL,                 -- JSON array of disclosures
    leaf         BLOB NOT NULL,                 -- RFC 6962 leaf hash
    email_key    TEXT,                          -- normalised email, for duplicates
    device_key   TEXT,                          -- hash of device cookie and name, for duplicates
    created_at   TEXT NOT NULL,
    UNIQUE (meeting_id, idx)
);

-- No other index: entries are only appended, and found by (meeting_id, idx),
-- which receipt ids carry (see src/receipt_id.rs).

CREATE TABLE checkpoints (
    meeting_id  TEXT NOT NULL REFERENCES meetings(id),
    size        INTEGER NOT NULL,
    note        TEXT NOT NULL,                  -- signed C2SP note
    created_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, size)
) WITHOUT ROWID;
