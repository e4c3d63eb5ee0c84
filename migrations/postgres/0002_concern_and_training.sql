-- As ../0005_concern_and_training.sql: where attendees raise a concern, and
-- where a Code's training programme is. Neither is signed.
ALTER TABLE meetings ADD COLUMN concern_contact TEXT;
ALTER TABLE codes ADD COLUMN training_url TEXT;
