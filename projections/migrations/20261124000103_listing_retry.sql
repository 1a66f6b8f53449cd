-- When a listing's failing push may be tried again (none: nothing is waiting).
ALTER TABLE listings ADD COLUMN retry_at timestamptz;
