-- A case page reads the newest of its history, not all of it. Notes are counted by category
-- and read newest first, a category at a time, on this index; timeline entries likewise by
-- kind (`haven_store::EVENT_KIND_SQL`: a note's entry by its category, every other entry
-- together), on an index of that expression, which must read exactly as the queries do.
-- Messages are read newest first, their id breaking ties.
CREATE INDEX notes_by_case_category ON notes (case_id, category, created_at, id);
CREATE INDEX case_events_by_kind ON case_events
    (case_id, (CASE WHEN kind = 'note' THEN 'note:' || detail ELSE '' END), at, seq);
DROP INDEX case_messages_by_case;
CREATE INDEX case_messages_by_case ON case_messages (case_id, created_at, id);
