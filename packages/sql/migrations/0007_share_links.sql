-- Share links: /s/<token> opens one image for anyone holding the token until it expires or is
-- revoked. Only SHA-256 of the token is kept; deleting the image deletes its links.
CREATE TABLE share_links (
  id          text PRIMARY KEY,
  image_id    text NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  created_by  text REFERENCES accounts (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX share_links_image ON share_links (image_id);

-- The key share tokens are signed with when LINK_SIGNING_KEY is unset: made once by the first
-- process that needs it, shared by every process through the database.
CREATE TABLE share_link_key (
  id   integer PRIMARY KEY CHECK (id = 1),
  key  bytea NOT NULL CHECK (length(key) = 32)
);
