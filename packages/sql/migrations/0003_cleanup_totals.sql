-- Running totals of the cleanup. It runs as short-lived CronJob pods that Prometheus would
-- rarely catch, so its counts live here and the api exports them (pictor_cleanup_*).
CREATE TABLE cleanup_totals (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  expired         bigint NOT NULL DEFAULT 0,
  orphans         bigint NOT NULL DEFAULT 0,
  stale_pending   bigint NOT NULL DEFAULT 0,
  succeeded       bigint NOT NULL DEFAULT 0,
  failed          bigint NOT NULL DEFAULT 0,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  last_error      text
);

INSERT INTO cleanup_totals DEFAULT VALUES;
