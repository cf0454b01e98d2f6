-- A member's cases, newest first, read from an index: each team row keeps its case's
-- creation time (which never changes), so the dashboard reads its first page of cases
-- instead of sorting every case the member is on.
ALTER TABLE case_team ADD COLUMN case_created_at TIMESTAMPTZ;
UPDATE case_team SET case_created_at = cases.created_at FROM cases WHERE cases.id = case_team.case_id;
ALTER TABLE case_team ALTER COLUMN case_created_at SET NOT NULL;
DROP INDEX case_team_by_user;
CREATE INDEX case_team_by_user ON case_team (user_id, case_created_at DESC, case_id DESC);
