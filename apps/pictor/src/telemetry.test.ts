import { describe, expect, it } from '@jest/globals';
import { w3cPropagators } from './telemetry.js';

describe('w3cPropagators (OTEL_PROPAGATORS without an exporter)', () => {
  it('when it is unset or empty, then both W3C propagators are used, as OpenTelemetry defaults', () => {
    expect(w3cPropagators(undefined)).toEqual(['tracecontext', 'baggage']);
    expect(w3cPropagators(' ')).toEqual(['tracecontext', 'baggage']);
  });

  it('when it names W3C propagators, then exactly those, once each, in its order', () => {
    expect(w3cPropagators('baggage')).toEqual(['baggage']);
    expect(w3cPropagators('TraceContext, baggage,tracecontext')).toEqual(['tracecontext', 'baggage']);
  });

  it('when it says none, then no propagator', () => {
    expect(w3cPropagators('none')).toEqual([]);
    expect(w3cPropagators('tracecontext,none')).toEqual([]);
  });

  it('when it names another propagator (b3), then it is left to the full SDK', () => {
    expect(w3cPropagators('b3')).toBeUndefined();
    expect(w3cPropagators('tracecontext,b3multi')).toBeUndefined();
  });
});
