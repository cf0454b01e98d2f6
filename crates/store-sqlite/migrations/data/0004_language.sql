-- A staff member's chosen language for the pages (NULL: follow the browser).
ALTER TABLE users ADD COLUMN language TEXT;
