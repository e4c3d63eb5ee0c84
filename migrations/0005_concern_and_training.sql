-- Where attendees raise a concern, and where a Code's training programme is.
-- Neither is signed: no statement carries them, and a Code's digest covers
-- its text alone, so both can be set without changing what was signed.

-- Where attendees of the meeting raise a concern: an https:// URL or a
-- mailto: address; NULL: the server's --concern-url, if any.
ALTER TABLE meetings ADD COLUMN concern_contact TEXT;

-- The training programme of a Code document: an https:// URL; NULL if none.
ALTER TABLE codes ADD COLUMN training_url TEXT;
