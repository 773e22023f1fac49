-- Backups that were written and verified; the metrics read the newest one.
CREATE TABLE backups (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key         text NOT NULL,
  bytes       bigint NOT NULL CHECK (bytes > 0),
  sha256      text NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL
);

CREATE INDEX backups_recent ON backups (finished_at DESC);

-- The cleanup's sweep of uploads stuck in `pending` reads only pending rows.
CREATE INDEX images_pending_since ON images (created_at) WHERE status = 'pending';
