-- A case's timeline in the order it was written. Events of one instant (intake writes
-- several in one transaction) tied on `at`, and PostgreSQL returns ties in whatever order
-- it finds the rows; SQLite breaks them by rowid. Existing rows are numbered in the order
-- they lie, the best that is known of them.
ALTER TABLE case_events ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
DROP INDEX case_events_by_case;
CREATE INDEX case_events_by_case ON case_events (case_id, at, seq);
