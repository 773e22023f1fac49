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
