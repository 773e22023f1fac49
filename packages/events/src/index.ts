export * from './memory.event-bus.js';
export * from './kafka.event-bus.js';
