-- A staff member's time zone for the times and dates the pages show (an IANA name such as
-- America/Los_Angeles; NULL: UTC, and the pages say so).
ALTER TABLE users ADD COLUMN time_zone TEXT;
