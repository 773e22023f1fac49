import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { minioClient } from '@pictor/test-harness';
import {
  deploy,
  freshStore,
  LOAD_CPU,
  log,
  pinSelf,
  pinServers,
  resetTopics,
  seconds,
  startPlainNginx,
  unpin,
  waitFor,
  type BenchEngines,
} from './harness.js';
import type { BenchInput } from './inputs.js';
import { withCpu, type Rate } from './load.js';
import { pathsScript, runWrk, writeLines, type Wrk } from './wrk.js';

export interface ServingResult {
  input: string;
  /** Bytes of the served file (the display copy of the upload). */
  bytes: number;
  connections: number;
  /** Distinct keys for the cold run, and whether it requested more than that (then it is partly warm). */
  coldKeys: number;
  coldKeysExhausted: boolean;
  /** The edge on objects it has not served before (each request a different key). */
  edgeCold: Rate;
  /** The edge on one link, requested over and over. */
  edgeWarm: Rate;
  /** The same NGINX binary serving the same bytes from a local directory. */
  plainNginx: Rate;
  /** The same link from the api (its direct-link fallback, reading from MinIO). */
  api: Rate;
}

const CONNECTIONS = 16;
/** Short enough that every request of the cold run is for a key not requested before. */
const COLD_SECONDS = 2;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const newId = () => [...randomBytes(12)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');

/**
 * Measurement 4: requests per second for a direct link of a ready image through Pictor's NGINX
 * tier, against plain NGINX serving the same file from disk and the api serving it from storage.
 */
export async function servingBenchmark(bench: BenchEngines, wrk: Wrk, input: BenchInput): Promise<ServingResult> {
  const durationS = seconds(10, 3);
  await resetTopics();
  const store = await freshStore();
  const deployment = await deploy(store, bench, { api: true, relay: true, worker: true, edge: true });
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-bench-serving-'));
  const plainRoot = path.join(dir, 'root');
  const { pids } = deployment;
  const edge = deployment.edge!;
  let plain: Awaited<ReturnType<typeof startPlainNginx>> | undefined;
  const servers = [...pids.nginx!, ...pids.minio!, ...pids.api!, ...pids.redis!];
  try {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(input.bytes)]), 'photo.jpg');
    const uploaded = await fetch(`${edge.url}/api/v1/images`, { method: 'POST', body: form });
    if (uploaded.status !== 201) throw new Error(`upload answered ${uploaded.status}`);
    const image = ((await uploaded.json()) as { images: { id: string; links: { direct: string } }[] }).images[0]!;
    await waitFor(
      'the image to be ready',
      async () => {
        const res = await fetch(`${edge.url}/api/v1/images/${image.id}`);
        return ((await res.json()) as { status: string }).status === 'ready' ? true : undefined;
      },
      120_000,
      100,
    );
    // Only the api stays: nothing else runs while links are served.
    await Promise.all([deployment.relay?.kill(), deployment.worker?.kill()]);
    const link = new URL(image.links.direct).pathname;
    const served = Buffer.from(await (await fetch(`${edge.url}${link}`)).arrayBuffer());

    // NGINX's workers drop root for an unprivileged user: the files must be world-readable.
    await chmod(dir, 0o755);
    await mkdir(path.join(plainRoot, 'i'), { recursive: true, mode: 0o755 });
    await writeFile(path.join(plainRoot, link), served, { mode: 0o644 });
    plain = await startPlainNginx(plainRoot);

    const coldKeys = seconds(12_000, 4000);
    log(`serving: ${coldKeys} copies of the display object under new keys (cold links)`);
    const s3 = minioClient();
    const ids = Array.from({ length: coldKeys }, newId);
    for (let i = 0; i < ids.length; i += 16) {
      await Promise.all(
        ids.slice(i, i + 16).map((id) =>
          s3.putObject(store.bucket, `public/${id}.jpg`, served, served.length, {
            'Content-Type': 'image/jpeg',
            'Cache-Control': 'public, max-age=31536000, immutable',
          }),
        ),
      );
    }
    const paths = path.join(dir, 'cold.txt');
    writeLines(
      paths,
      ids.map((id) => `/i/${id}.jpg`),
    );

    pinServers([...servers, plain.pid]);
    pinSelf();
    const cpu = LOAD_CPU ? { cpu: LOAD_CPU } : {};
    const edgeGroups = { nginx: pids.nginx!, minio: pids.minio!, api: pids.api! };

    log('serving: edge, cold');
    const edgeCold = await withCpu(edgeGroups, () =>
      runWrk(wrk, {
        url: edge.url,
        connections: CONNECTIONS,
        durationS: COLD_SECONDS,
        script: pathsScript(paths),
        ...cpu,
      }),
    );
    // More requests than keys would make the tail of the run warm.
    const coldKeysExhausted = edgeCold.requests > coldKeys;

    const steady = async (url: string, groups: Record<string, number[]>) => {
      await runWrk(wrk, { url, connections: CONNECTIONS, durationS: seconds(2, 1), ...cpu });
      return withCpu(groups, () => runWrk(wrk, { url, connections: CONNECTIONS, durationS, ...cpu }));
    };
    log('serving: edge, warm');
    const edgeWarm = await steady(`${edge.url}${link}`, edgeGroups);
    log('serving: plain NGINX');
    const plainNginx = await steady(`${plain.url}${link}`, { nginx: [plain.pid] });
    log('serving: api');
    const api = await steady(`${deployment.api!.url}${link}`, {
      api: pids.api!,
      minio: pids.minio!,
      redis: pids.redis!,
    });
    return {
      input: input.name,
      bytes: served.length,
      connections: CONNECTIONS,
      coldKeys,
      coldKeysExhausted,
      edgeCold,
      edgeWarm,
      plainNginx,
      api,
    };
  } finally {
    unpin([...servers, ...(plain ? [plain.pid] : [])]);
    await plain?.stop();
    await deployment.stop();
    await store.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
