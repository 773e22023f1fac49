-- Text pastes. The text lives in object storage (`pastes/<id>`), never in the row.
CREATE TABLE pastes (
  id                 text PRIMARY KEY CHECK (id ~ '^[0-9A-Za-z]{8}$'),
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleting')),
  owner_id           text REFERENCES accounts (id),
  title              text CHECK (char_length(title) BETWEEN 1 AND 200),
  -- The `/<username>/<slug>` segment of an author's paste; anonymous pastes have none.
  slug               text CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,89}$'),
  language           text,
  visibility         text NOT NULL CHECK (visibility IN ('public', 'unlisted')),
  burn_after_reading boolean NOT NULL DEFAULT false,
  bytes              integer NOT NULL CHECK (bytes > 0),
  delete_token_hash  bytea NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((owner_id IS NULL) = (slug IS NULL))
);

-- A slug is unique per author.
CREATE UNIQUE INDEX pastes_owner_slug ON pastes (owner_id, slug) WHERE owner_id IS NOT NULL;
CREATE INDEX pastes_public_recent ON pastes (created_at DESC, id DESC)
  WHERE visibility = 'public' AND status = 'active';
CREATE INDEX pastes_owner_recent ON pastes (owner_id, created_at DESC, id DESC) WHERE owner_id IS NOT NULL;
-- Cleanup reads only rows that can expire (or are half deleted), so its cost follows them.
CREATE INDEX pastes_expiring ON pastes (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX pastes_deleting ON pastes (id) WHERE status = 'deleting';

-- Old slugs of renamed pastes keep redirecting to the paste. A slug once used by an author is
-- never given to another of their pastes, so an old link never lands on a different paste.
CREATE TABLE paste_slug_redirects (
  owner_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  slug       text NOT NULL,
  paste_id   text NOT NULL REFERENCES pastes (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, slug)
);

CREATE INDEX paste_slug_redirects_paste ON paste_slug_redirects (paste_id);

-- Views, counted once per client per hour and added in batches (ViewCounter); images too.
ALTER TABLE pastes ADD COLUMN views bigint NOT NULL DEFAULT 0;
ALTER TABLE images ADD COLUMN views bigint NOT NULL DEFAULT 0;
