-- Translations of Code documents, and the exact versions a meeting offers.

-- A translation names the Code document it translates (NULL for originals).
ALTER TABLE codes ADD COLUMN translation_of TEXT REFERENCES codes(sha256);

-- JSON array of {"sha256", "language"}: the Code and each translation the
-- meeting offers, original first. NULL for meetings created before
-- translations existed: they offer only code_sha256, in languages[0].
ALTER TABLE meetings ADD COLUMN versions TEXT;
