import { describe, expect, it } from '@jest/globals';
import { createRegistry } from '@pictor/observability';
import { createNotifierMetrics } from './notifier-metrics.js';

describe('createNotifierMetrics', () => {
  it('when the notifier is observed, then its lag per partition and the DLQ size are exported, NaN when unread', async () => {
    const registry = createRegistry();
    createNotifierMetrics(registry).observeBus({
      lag: () => Promise.resolve([{ topic: 'pictor.notifications', partition: 3, lag: 12 }]),
      deadLetters: () => Promise.resolve(5),
    });
    const text = await registry.metrics();
    expect(text).toContain('pictor_notifier_consumer_lag{partition="3"} 12');
    expect(text).toMatch(/^pictor_notifications_dlq_messages 5$/m);

    const down = createRegistry();
    createNotifierMetrics(down).observeBus({
      lag: () => Promise.reject(new Error('kafka down')),
      deadLetters: () => Promise.reject(new Error('kafka down')),
    });
    const unread = await down.metrics();
    expect(unread).not.toMatch(/^pictor_notifier_consumer_lag\{/m);
    expect(unread).toMatch(/^pictor_notifications_dlq_messages nan$/im);
  });

  it('when the notifier starts, then every channel and outcome is counted from 0, and a delivery counts once', async () => {
    const registry = createRegistry();
    const metrics = createNotifierMetrics(registry);
    let text = await registry.metrics();
    expect(text).toContain('pictor_notification_deliveries_total{channel="email",outcome="failed"} 0');
    expect(text).toContain('pictor_notification_deliveries_total{channel="webhook-all",outcome="duplicate"} 0');
    metrics.delivered('telegram', 'sent');
    text = await registry.metrics();
    expect(text).toContain('pictor_notification_deliveries_total{channel="telegram",outcome="sent"} 1');
  });
});
