-- A case's notes, tasks and goals are read in the order these indexes now end with: the
-- row's id breaks ties, so a case view reads them in order instead of sorting them.
DROP INDEX notes_by_case;
CREATE INDEX notes_by_case ON notes (case_id, created_at, id);
DROP INDEX tasks_by_case;
CREATE INDEX tasks_by_case ON tasks (case_id, due_on, id);
DROP INDEX case_goals_by_case;
CREATE INDEX case_goals_by_case ON case_goals (case_id, created_at, id);
