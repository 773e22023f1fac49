import { describeEventBusContract } from '@pictor/testing';
import { MemoryEventBus } from './memory.event-bus.js';

describeEventBusContract('MemoryEventBus', () => {
  // Short, so redelivery tests finish quickly; the production default is a second.
  const bus = new MemoryEventBus({ redeliveryDelayMs: 50 });
  return Promise.resolve({ bus, teardown: () => bus.close() });
});
