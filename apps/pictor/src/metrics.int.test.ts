import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

/** The embedded all-in-one on port 0, its metrics on a port of their own (METRICS_PORT=0). */
let pictor: TestPictor;
let metricsUrl: string;

beforeAll(async () => {
  pictor = await startTestPictor({ MAX_UPLOAD_BYTES: '200000' });
  metricsUrl = `http://127.0.0.1:${pictor.handle.metricsPort}/metrics`;
});

afterAll(async () => {
  await pictor.stop();
});

const scrape = async () => (await fetch(metricsUrl)).text();

/** The value of one series in the text format, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function waitForSample(series: string, expected: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (sample(await scrape(), series) !== expected) {
    if (Date.now() > deadline) throw new Error(`${series} is ${sample(await scrape(), series)}, not ${expected}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('when Pictor has just started and nothing happened yet', () => {
  it('then the counters of every outcome it can count are already there at 0', async () => {
    const text = await scrape();
    for (const series of [
      'http_requests_total{method="POST",route="/api/v1/images",status_class="5xx",target="all"}',
      'http_requests_total{method="GET",route="/i/:file",status_class="5xx",target="all"}',
      'pictor_uploads_rejected_total{reason="UNSUPPORTED_MEDIA_TYPE",target="all"}',
      'pictor_uploads_accepted_total{format="webp",target="all"}',
      'pictor_processing_retries_total{reason="DEPENDENCY_UNAVAILABLE",target="all"}',
      'pictor_dead_letters_total{reason="MALFORMED_EVENT",target="all"}',
      'pictor_images_processed_total{outcome="failed",target="all"}',
      'pictor_outbox_events_published_total{topic="pictor.images.uploaded",target="all"}',
    ]) {
      expect([series, sample(text, series)]).toEqual([series, 0]);
    }
    expect(sample(text, 'pictor_build_info{version="0.1.0",target="all"}')).toBe(1);
    // Migrated by this very start: the installation is seconds old.
    expect(Date.now() / 1000 - sample(text, 'pictor_installed_timestamp_seconds{target="all"}')!).toBeLessThan(120);
  });
});

describe('when images are uploaded through the API and the HTML form, and some are refused', () => {
  beforeAll(async () => {
    const api = new FormData();
    api.append('file', new Blob([new Uint8Array(await png(64, 48))]), 'a.png');
    api.append('file', new Blob([new Uint8Array(await png(32, 32))]), 'b.png');
    expect((await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body: api })).status).toBe(201);

    const tooLarge = new FormData();
    tooLarge.append('file', new Blob([new Uint8Array(300_000)]), 'big.png');
    expect((await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body: tooLarge })).status).toBe(413);

    const form = new FormData();
    form.append('file', new Blob([new TextEncoder().encode('plain text')]), 'notes.txt');
    expect((await fetch(`${pictor.url}/upload`, { method: 'POST', body: form })).status).toBe(415);
  });

  it('then the accepted files are counted by format, and each refusal by its error code', async () => {
    const text = await scrape();
    expect(sample(text, 'pictor_uploads_accepted_total{format="png",target="all"}')).toBe(2);
    expect(sample(text, 'pictor_uploads_rejected_total{reason="FILE_TOO_LARGE",target="all"}')).toBe(1);
    expect(sample(text, 'pictor_uploads_rejected_total{reason="UNSUPPORTED_MEDIA_TYPE",target="all"}')).toBe(1);
    expect(sample(text, 'pictor_upload_bytes_total{target="all"}')).toBeGreaterThan(0);
  });

  it('then the HTTP series carry the route template, also for requests that failed inside a router', async () => {
    const text = await scrape();
    expect(
      sample(text, 'http_requests_total{method="POST",route="/api/v1/images",status_class="2xx",target="all"}'),
    ).toBe(1);
    expect(
      sample(text, 'http_requests_total{method="POST",route="/api/v1/images",status_class="4xx",target="all"}'),
    ).toBe(1);
    expect(sample(text, 'http_requests_total{method="POST",route="/upload",status_class="4xx",target="all"}')).toBe(1);
  });

  it('then the in-process worker reports both images ready', async () => {
    await waitForSample('pictor_images_processed_total{outcome="ready",target="all"}', 2);
    expect(sample(await scrape(), 'pictor_upload_to_ready_seconds_count{target="all"}')).toBe(2);
    expect(sample(await scrape(), 'pictor_worker_concurrency{target="all"}')).toBe(2);
  });

  it('then the embedded bus has no Kafka lag series, and the public port serves no metrics', async () => {
    expect(await scrape()).not.toContain('pictor_kafka_consumer_lag');
    expect((await fetch(`${pictor.url}/metrics`)).status).toBe(404);
  });
});
