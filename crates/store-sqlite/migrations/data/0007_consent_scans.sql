-- The scan of a signed release form, sealed under the survivor's key.
ALTER TABLE consents ADD COLUMN scan BLOB;
