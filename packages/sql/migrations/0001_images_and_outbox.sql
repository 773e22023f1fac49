-- Images: one row per upload; its outputs (display copy and variants) as a JSON array.
CREATE TABLE images (
  id                text PRIMARY KEY,
  status            text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'ready', 'failed', 'deleting')),
  format            text NOT NULL,
  width             integer NOT NULL CHECK (width > 0),
  height            integer NOT NULL CHECK (height > 0),
  bytes             bigint NOT NULL CHECK (bytes > 0),
  frames            integer NOT NULL DEFAULT 1,
  has_alpha         boolean NOT NULL DEFAULT false,
  title             text,
  visibility        text NOT NULL CHECK (visibility IN ('public', 'unlisted')),
  watermark         text,
  placeholder       text,
  variants          jsonb NOT NULL DEFAULT '[]'::jsonb,
  failure_reason    text,
  attempts          integer NOT NULL DEFAULT 0,
  delete_token_hash bytea NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz,
  processed_at      timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The public list pages newest first; only listable rows are indexed.
CREATE INDEX images_public_recent ON images (created_at DESC, id DESC)
  WHERE visibility = 'public' AND status IN ('pending', 'ready');

-- Cleanup reads only rows that can expire, so its cost follows the expired set, not the table.
CREATE INDEX images_expiring ON images (expires_at) WHERE expires_at IS NOT NULL;

-- Transactional outbox: written in the upload's transaction, published by the relay.
CREATE TABLE outbox (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic      text NOT NULL,
  key        text NOT NULL,
  payload    jsonb NOT NULL,
  headers    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);

CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Wakes relays listening on `pictor_outbox` as soon as an upload commits.
CREATE FUNCTION pictor_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pictor_outbox', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION pictor_outbox_notify();
