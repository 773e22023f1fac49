-- The failing streak of each webhook endpoint: since when every request to it failed, and how
-- many did. A success clears both; an endpoint failing for WEBHOOK_DISABLE_AFTER with at least
-- WEBHOOK_DISABLE_MIN_FAILURES failures is disabled (disabled_at) and its owner told by email.
ALTER TABLE webhooks
  ADD COLUMN failing_since timestamptz,
  ADD COLUMN failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0);

-- `all`: an administrator's endpoint that receives every event once (not only those addressed to
-- its owner), delivered on channel `webhook-all` of the delivery log.
ALTER TABLE webhooks
  ADD COLUMN scope text NOT NULL DEFAULT 'own' CHECK (scope IN ('own', 'all'));
CREATE INDEX webhooks_all_scope ON webhooks (account_id) WHERE scope = 'all' AND disabled_at IS NULL;
