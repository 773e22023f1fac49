-- Per-account notification choices beside the per-follow `notify`: whether notifications also go
-- by email (in-app always; Telegram and webhooks are turned off by unlinking or deleting them).
-- No row means the defaults. Account notices (reset codes, password changed) ignore it.
CREATE TABLE notification_settings (
  account_id text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  email      boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);
