-- A case's notes, tasks and goals are read in the order these indexes now end with: the
-- row's id breaks ties. Without it SQLite sorted every case's rows in a temporary b-tree.
-- PostgreSQL's indexes stay as they are: its planner reads a case's few rows with a bitmap
-- scan and sorts them whether or not the index ends with the id.
DROP INDEX notes_by_case;
CREATE INDEX notes_by_case ON notes (case_id, created_at, id);
DROP INDEX tasks_by_case;
CREATE INDEX tasks_by_case ON tasks (case_id, due_on, id);
DROP INDEX case_goals_by_case;
CREATE INDEX case_goals_by_case ON case_goals (case_id, created_at, id);
