import { greatCircleKm } from './geo.js';

describe('greatCircleKm', () => {
  test('when both points are the same, then the distance is zero', () => {
    expect(greatCircleKm({ lat: 50.11, lon: 8.68 }, { lat: 50.11, lon: 8.68 })).toBe(0);
  });

  test('when measuring Frankfurt to New York, then it is about 6 200 km', () => {
    const km = greatCircleKm({ lat: 50.1109, lon: 8.6821 }, { lat: 40.7128, lon: -74.006 });
    expect(km).toBeGreaterThan(6150);
    expect(km).toBeLessThan(6250);
  });

  test('when the points straddle the antimeridian, then the short way round is taken', () => {
    // Fiji (178°E) to Samoa (172°W) is ~1 100 km, not ~39 000 km the long way.
    const km = greatCircleKm({ lat: -17.7, lon: 178.0 }, { lat: -13.8, lon: -172.0 });
    expect(km).toBeGreaterThan(1000);
    expect(km).toBeLessThan(1300);
  });

  test('when the points are antipodes, then the distance is half the circumference', () => {
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * 6371.0088, 0);
  });

  test('when the order of the points is swapped, then the distance is the same', () => {
    const a = { lat: -33.87, lon: 151.21 };
    const b = { lat: 35.68, lon: 139.69 };
    expect(greatCircleKm(a, b)).toBeCloseTo(greatCircleKm(b, a), 9);
  });
});
