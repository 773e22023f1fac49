-- Follows: who follows whom, and whether the follower wants to hear of the followee's new public
-- items. Removing either account removes its follows.
CREATE TABLE follows (
  follower_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  followee_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  notify      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);

-- Pages of an account's followers, newest first (and the fan-out of its events, in the same order).
CREATE INDEX follows_followee_recent ON follows (followee_id, created_at DESC, follower_id DESC);
-- Pages of whom an account follows, newest first.
CREATE INDEX follows_follower_recent ON follows (follower_id, created_at DESC, followee_id DESC);

-- One row per (event, recipient, channel), claimed before sending: a redelivered event or a
-- restarted notifier finds it and sends nothing twice. `id` is the delivery id that channels carry
-- (email Message-ID, webhook-id), so a resend after a crash between "accepted" and "sent" can be
-- dropped by the receiver.
CREATE TABLE notification_deliveries (
  id           text PRIMARY KEY,
  event_id     text NOT NULL,
  recipient_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  channel      text NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  UNIQUE (event_id, recipient_id, channel)
);

CREATE INDEX notification_deliveries_failed ON notification_deliveries (finished_at) WHERE status = 'failed';

-- How far the fan-out of an event to its author's followers got: a restarted notifier resumes
-- after the last finished batch instead of starting over.
CREATE TABLE notification_fanouts (
  event_id          text PRIMARY KEY,
  after_created_at  timestamptz,
  after_account_id  text,
  done_at           timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- In-app notifications: the list with the unread count on the web page.
CREATE TABLE notifications (
  id         text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  event_id   text NOT NULL,
  type       text NOT NULL,
  actor      text NOT NULL,
  data       jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz,
  UNIQUE (event_id, account_id)
);

CREATE INDEX notifications_account_recent ON notifications (account_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (account_id) WHERE read_at IS NULL;

-- Webhook endpoints of accounts. The signing secret is kept as is: signing needs it (Standard
-- Webhooks), so it is shown once at creation or rotation and never listed again.
CREATE TABLE webhooks (
  id          text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  url         text NOT NULL CHECK (length(url) <= 2048),
  secret      text NOT NULL,
  events      text[] NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);

CREATE INDEX webhooks_account ON webhooks (account_id, created_at);

-- What each endpoint answered to each delivery: the per-endpoint delivery log, and the record that
-- keeps an endpoint that accepted from getting a retry meant for another endpoint of the account.
CREATE TABLE webhook_attempts (
  delivery_id text NOT NULL,
  webhook_id  text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  status      text NOT NULL CHECK (status IN ('sent', 'failed')),
  http_status integer,
  duration_ms integer NOT NULL,
  attempts    integer NOT NULL DEFAULT 1,
  error       text,
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (delivery_id, webhook_id)
);

CREATE INDEX webhook_attempts_recent ON webhook_attempts (webhook_id, at DESC);

-- Telegram chats linked to accounts: one chat per account and one account per chat. A chat is
-- linked only by the account's own one-time code, sent by the user to the bot (`/start <code>`).
CREATE TABLE telegram_links (
  account_id text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  chat_id    bigint NOT NULL UNIQUE,
  linked_at  timestamptz NOT NULL DEFAULT now()
);

-- One-time link codes, stored as SHA-256; a new code replaces the account's earlier ones.
CREATE TABLE telegram_link_codes (
  code_hash  bytea PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

CREATE INDEX telegram_link_codes_account ON telegram_link_codes (account_id);
