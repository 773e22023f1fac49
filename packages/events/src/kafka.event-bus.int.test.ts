import { describeEventBusContract } from '@pictor/testing';
import { KafkaEventBus } from './kafka.event-bus.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);

// The same contract as the in-process bus, against the real broker started by the test run.
describeEventBusContract(
  'KafkaEventBus',
  async ({ topic }) => {
    if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: the engines did not start');
    const bus = await new KafkaEventBus({
      brokers,
      clientId: 'pictor-contract',
      topics: [topic],
      partitions: 4,
      replicationFactor: 1,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    }).init();
    return { bus, teardown: () => bus.close() };
  },
  // Group joins and rebalances take seconds on a broker, not milliseconds.
  { deliveryTimeoutMs: 30_000, quietPeriodMs: 1500 },
);
