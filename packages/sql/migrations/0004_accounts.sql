-- Accounts. Usernames and emails are stored lower-cased, so plain unique indexes make them
-- unique regardless of case.
CREATE TABLE accounts (
  id                  text PRIMARY KEY,
  username            text NOT NULL CHECK (username ~ '^[a-z0-9_-]{3,32}$'),
  email               text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
  password_hash       text NOT NULL,
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'pending')),
  role                text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX accounts_username ON accounts (username);
CREATE UNIQUE INDEX accounts_email ON accounts (email);
CREATE INDEX accounts_recent ON accounts (created_at DESC, id DESC);

-- Sessions of the web page: only the SHA-256 of the cookie's random id is stored.
CREATE TABLE sessions (
  id_hash    bytea PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Personal API tokens (`pictor_…`), stored as SHA-256.
CREATE TABLE api_tokens (
  id           text PRIMARY KEY,
  account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name         text NOT NULL,
  scopes       text[] NOT NULL,
  token_hash   bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz
);

CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at);

-- One-time password-reset codes: hashed, short-lived, single use, few attempts. A new code
-- deletes the earlier ones of the account.
CREATE TABLE reset_codes (
  id         text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  code_hash  bytea NOT NULL,
  attempts   integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

CREATE INDEX reset_codes_account ON reset_codes (account_id, created_at DESC);

-- Invite codes for REGISTRATION=invite, made by admins.
CREATE TABLE invites (
  code_hash  bytea PRIMARY KEY,
  created_by text REFERENCES accounts (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  used_by    text REFERENCES accounts (id) ON DELETE SET NULL
);

-- Uploads made with a session or token belong to the account. No cascade: an account is deleted
-- only after its images went through the delete path (objects first), so none is orphaned.
ALTER TABLE images ADD COLUMN owner_id text REFERENCES accounts (id);
CREATE INDEX images_owner_recent ON images (owner_id, created_at DESC, id DESC) WHERE owner_id IS NOT NULL;
