-- A visibility change that crosses the private/ prefix moves objects before the row changes.
-- One move at a time per image: the request that sets this column owns the move until it
-- writes the new visibility (which clears it). A crashed move's claim goes stale and is taken over.
ALTER TABLE images ADD COLUMN visibility_move_started_at timestamptz;
