import pg from 'pg';

export interface OutboxListener {
  stop(): Promise<void>;
}

/**
 * LISTENs on `pictor_outbox` on a dedicated connection and calls `onNotify` for each commit that
 * wrote outbox rows. Reconnects with backoff; the relay's polling covers the gaps.
 */
export function listenForOutbox(
  connectionString: string,
  onNotify: () => void,
  onError: (error: unknown) => void = () => undefined,
): OutboxListener {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;

  const connect = async () => {
    if (stopped) return;
    const next = new pg.Client({ connectionString, application_name: 'pictor-relay-listen' });
    next.on('notification', () => onNotify());
    next.on('error', (error) => {
      onError(error);
      scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query('LISTEN pictor_outbox');
      client = next;
      attempt = 0;
      // Rows may have been written while we were away.
      onNotify();
    } catch (error) {
      onError(error);
      await next.end().catch(() => undefined);
      scheduleReconnect();
    }
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    const old = client;
    client = undefined;
    void old?.end().catch(() => undefined);
    attempt++;
    retry = setTimeout(
      () => {
        retry = undefined;
        void connect();
      },
      Math.min(10_000, 200 * 2 ** attempt),
    );
  };

  void connect();
  return {
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
