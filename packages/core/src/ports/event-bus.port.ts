export interface EventMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface DeliveredEvent extends EventMessage {
  topic: string;
  /** How many times this message was handed to a handler before, in this consumer. */
  redeliveries: number;
}

export type EventHandler = (event: DeliveredEvent) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: each message reaches one member of a group. */
  group: string;
  /** Messages handled at once; messages with the same key are never handled concurrently. */
  concurrency: number;
}

export interface Subscription {
  /** Stops taking messages and waits for handlers under way to finish. */
  stop(): Promise<void>;
}

/**
 * At-least-once delivery. A message is acknowledged only after its handler resolves; a handler
 * that throws gets the message again later, so handlers must be idempotent.
 */
export interface EventBus {
  /** Resolves once the bus has durably accepted every message. */
  publish(topic: string, messages: readonly EventMessage[]): Promise<void>;
  subscribe(topic: string, handler: EventHandler, options: SubscribeOptions): Promise<Subscription>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
