import type {
  DeliveredEvent,
  EventBus,
  EventHandler,
  EventMessage,
  SubscribeOptions,
  Subscription,
} from '@pictor/core';

interface Queued extends EventMessage {
  topic: string;
  redeliveries: number;
}

interface Consumer {
  handler: EventHandler;
  concurrency: number;
  running: number;
  /** Keys with a message in a handler right now: same-key messages wait (Kafka keeps per-key order). */
  busyKeys: Set<string>;
  idle: Set<() => void>;
  stopped: boolean;
}

export interface MemoryEventBusOptions {
  /** Delay before a message whose handler threw is handed out again. */
  redeliveryDelayMs?: number;
  onHandlerError?: (error: unknown, event: DeliveredEvent) => void;
}

/**
 * The in-process bus of a single-machine Pictor. Same delivery contract as Kafka within one
 * process: at-least-once, ack after the handler resolves, per-key order, redelivery on throw.
 * It is not durable; the outbox is, and unprocessed events are re-queued from it at start-up.
 */
export class MemoryEventBus implements EventBus {
  private readonly queues = new Map<string, Queued[]>();
  private readonly consumers = new Map<string, Map<string, Consumer>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly redeliveryDelayMs: number;

  constructor(private readonly options: MemoryEventBusOptions = {}) {
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 1000;
  }

  publish(topic: string, messages: readonly EventMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The event bus is closed'));
    const groups = this.consumers.get(topic);
    // Each consumer group gets its own copy, as with Kafka; with no group yet, messages wait.
    const groupNames = groups && groups.size > 0 ? [...groups.keys()] : [''];
    for (const group of groupNames) {
      const queue = this.queue(topic, group);
      for (const m of messages) queue.push({ ...m, headers: { ...m.headers }, topic, redeliveries: 0 });
      this.pump(topic, group);
    }
    return Promise.resolve();
  }

  subscribe(topic: string, handler: EventHandler, options: SubscribeOptions): Promise<Subscription> {
    let groups = this.consumers.get(topic);
    if (!groups) {
      groups = new Map();
      this.consumers.set(topic, groups);
    }
    if (groups.has(options.group)) return Promise.reject(new Error(`Group ${options.group} already consumes ${topic}`));
    const waiting = this.queues.get(`${topic}\u0000`);
    if (waiting && groups.size === 0) {
      this.queues.delete(`${topic}\u0000`);
      this.queue(topic, options.group).push(...waiting);
    }
    const consumer: Consumer = {
      handler,
      concurrency: options.concurrency,
      running: 0,
      busyKeys: new Set(),
      idle: new Set(),
      stopped: false,
    };
    groups.set(options.group, consumer);
    this.pump(topic, options.group);
    return Promise.resolve({
      stop: async () => {
        consumer.stopped = true;
        if (consumer.running > 0) await new Promise<void>((resolve) => consumer.idle.add(resolve));
        groups.delete(options.group);
      },
    });
  }

  ping(): Promise<void> {
    return this.closed ? Promise.reject(new Error('The event bus is closed')) : Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return Promise.resolve();
  }

  private queue(topic: string, group: string): Queued[] {
    const id = `${topic}\u0000${group}`;
    let queue = this.queues.get(id);
    if (!queue) {
      queue = [];
      this.queues.set(id, queue);
    }
    return queue;
  }

  private pump(topic: string, group: string): void {
    const consumer = this.consumers.get(topic)?.get(group);
    if (!consumer || consumer.stopped || this.closed) return;
    const queue = this.queue(topic, group);
    for (let i = 0; i < queue.length && consumer.running < consumer.concurrency;) {
      const message = queue[i]!;
      if (consumer.busyKeys.has(message.key)) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      consumer.running++;
      consumer.busyKeys.add(message.key);
      void this.deliver(topic, group, consumer, message);
    }
  }

  private async deliver(topic: string, group: string, consumer: Consumer, message: Queued): Promise<void> {
    const event: DeliveredEvent = {
      topic,
      key: message.key,
      value: message.value,
      headers: message.headers,
      redeliveries: message.redeliveries,
    };
    let failed = false;
    try {
      await consumer.handler(event);
    } catch (error) {
      failed = true;
      this.options.onHandlerError?.(error, event);
    }
    consumer.running--;
    if (failed) {
      const retry = { ...message, redeliveries: message.redeliveries + 1 };
      // The key stays busy until the retry is back at the head of the queue, so later messages
      // of the same key wait for it: per-key order holds across redeliveries.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        consumer.busyKeys.delete(message.key);
        this.queue(topic, group).unshift(retry);
        this.pump(topic, group);
      }, this.redeliveryDelayMs);
      this.timers.add(timer);
    } else {
      consumer.busyKeys.delete(message.key);
    }
    if (consumer.running === 0) {
      for (const resolve of consumer.idle) resolve();
      consumer.idle.clear();
    }
    this.pump(topic, group);
  }
}
