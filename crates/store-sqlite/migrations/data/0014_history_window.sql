-- A case page reads the newest of its history, not all of it: the newest notes of each
-- category are ranked on this index alone (no note's body is read unless it is kept), and
-- the notes of each category are counted on it. Messages are read newest first, their id
-- breaking ties.
CREATE INDEX notes_by_case_category ON notes (case_id, category, created_at, id);
DROP INDEX case_messages_by_case;
CREATE INDEX case_messages_by_case ON case_messages (case_id, created_at, id);
