import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import type {
  DeliveredEvent,
  EventBus,
  EventHandler,
  EventMessage,
  SubscribeOptions,
  Subscription,
} from '@pictor/core';

export interface KafkaEventBusOptions {
  brokers: readonly string[];
  clientId: string;
  /** Topics created at start if missing, with these partitions and replication. */
  topics: readonly string[];
  partitions: number;
  replicationFactor: number;
  /** A consumer that misses heartbeats this long is considered dead and its partitions move. */
  sessionTimeoutMs?: number;
  /** Heartbeat cadence while a handler runs, so a slow image does not cause a rebalance. */
  heartbeatIntervalMs?: number;
  onHandlerError?: (error: unknown, event: DeliveredEvent) => void;
  onLog?: (level: 'error' | 'warn' | 'info', message: string, extra: Record<string, unknown>) => void;
}

function toHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? String(value[0]) : value.toString();
  }
  return out;
}

/**
 * The event bus on Kafka. Publishing waits for every in-sync replica (`acks: all`) through an
 * idempotent producer. Consumers commit an offset only after the handler resolved; a handler
 * that throws makes kafkajs seek back and deliver the message again.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly consumers = new Set<Consumer>();
  private readonly stoppedConsumers = new Set<string>();
  private producerReady: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: KafkaEventBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      retry: { initialRetryTime: 300, retries: 8 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }) => {
          const { message, ...extra } = log;
          options.onLog?.(
            level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info',
            String(message),
            extra,
          );
        },
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /** Connects the admin client and creates missing topics. */
  async init(): Promise<this> {
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = this.options.topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.options.partitions,
          replicationFactor: this.options.replicationFactor,
        })),
      });
    }
    return this;
  }

  async publish(topic: string, messages: readonly EventMessage[]): Promise<void> {
    if (this.closed) throw new Error('The event bus is closed');
    if (messages.length === 0) return;
    this.producerReady ??= this.producer.connect().catch((error: unknown) => {
      this.producerReady = undefined;
      throw error;
    });
    await this.producerReady;
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    });
  }

  async subscribe(topic: string, handler: EventHandler, options: SubscribeOptions): Promise<Subscription> {
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    // At most a third of the session timeout, as Kafka advises: two heartbeats may be lost or late
    // before the member is dropped.
    const heartbeatEvery = this.options.heartbeatIntervalMs ?? Math.min(3000, Math.floor(sessionTimeout / 3));
    const consumer = this.kafka.consumer({
      groupId: options.group,
      sessionTimeout,
      heartbeatInterval: heartbeatEvery,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, retries: Number.MAX_SAFE_INTEGER },
    });
    // Deliveries of the same offset seen by this consumer, for DeliveredEvent.redeliveries.
    const seen = new Map<string, number>();
    // kafkajs restarts a crashed consumer unless the error is not retriable; then it stays down.
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.stoppedConsumers.add(`${options.group}: ${event.payload.error.message}`);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    this.consumers.add(consumer);
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.concurrency,
      eachMessage: async (payload) => {
        const { topic: from, partition, message } = payload;
        const id = `${partition}:${message.offset}`;
        const redeliveries = seen.get(id) ?? 0;
        const event: DeliveredEvent = {
          topic: from,
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          headers: toHeaders(message.headers),
          redeliveries,
        };
        // kafkajs sends a heartbeat only when `heartbeatEvery` has passed since its last one ended, so
        // a timer of exactly that period skips every other tick (gaps of twice the period, enough to
        // lose the membership during a long handler such as a fan-out to thousands). Asking three
        // times as often keeps the gaps near the period; kafkajs still sends no more than that.
        const beat = setInterval(
          () => void payload.heartbeat().catch(() => undefined),
          Math.max(100, Math.floor(heartbeatEvery / 3)),
        );
        try {
          await handler(event);
        } catch (error) {
          seen.set(id, redeliveries + 1);
          this.options.onHandlerError?.(error, event);
          throw error;
        } finally {
          clearInterval(beat);
        }
        seen.delete(id);
        await consumer.commitOffsets([{ topic: from, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        // disconnect() lets the message in hand finish, then leaves the group.
        await consumer.disconnect();
      },
    };
  }

  /** Why a consumer of this bus stopped for good (kafkajs gave up restarting it); undefined if none did. */
  stoppedConsumer(): string | undefined {
    return this.stoppedConsumers.values().next().value;
  }

  async ping(): Promise<void> {
    await this.admin.describeCluster();
  }

  /**
   * Messages of `topic` not yet committed by consumer `group`, per partition: the high
   * watermark minus the committed offset (minus the low watermark when nothing is committed).
   */
  async consumerLag(group: string, topic: string): Promise<{ topic: string; partition: number; lag: number }[]> {
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId: group, topics: [topic] }),
    ]);
    const byPartition = new Map(
      (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
    );
    return ends.map((end) => {
      const offset = byPartition.get(end.partition) ?? -1;
      const from = offset >= 0 ? offset : Number(end.low);
      return { topic, partition: end.partition, lag: Math.max(0, Number(end.high) - from) };
    });
  }

  /** Messages a topic holds now: the high minus the low watermark, summed over its partitions. */
  async topicMessages(topic: string): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Math.max(0, Number(p.high) - Number(p.low)), 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }
}
