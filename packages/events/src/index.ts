export * from './memory.event-bus.js';
