-- The failing streak of each webhook endpoint: since when every request to it failed, and how
-- many did. A success clears both; an endpoint failing for WEBHOOK_DISABLE_AFTER with at least
-- WEBHOOK_DISABLE_MIN_FAILURES failures is disabled (disabled_at) and its owner told by email.
ALTER TABLE webhooks
  ADD COLUMN failing_since timestamptz,
  ADD COLUMN failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0);
