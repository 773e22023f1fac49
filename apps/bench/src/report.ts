import type { CleanupResult } from './cleanup.bench.js';
import { INGEST_DECISIONS, INGEST_TAIL_DECISIONS, READY_DECISIONS, SERVING_DECISIONS } from './decisions.js';
import type { PastesResult } from './pastes.bench.js';
import type { IngestResult } from './ingest.bench.js';
import type { Rate } from './load.js';
import { DEFAULT_ENCODING, type LeverPoint, type ProcessingResult } from './processing.bench.js';
import type { ReadyResult, ReadySeries } from './ready.bench.js';
import type { RelayResult } from './relay.bench.js';
import type { ServingResult } from './serving.bench.js';
import { ratio } from './stats.js';

export const MEASUREMENTS = ['processing', 'ingest', 'relay', 'serving', 'ready', 'cleanup', 'pastes'] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

type Dated<T> = T & { date: string };

interface InputDescription {
  name: string;
  bytes: number;
  width: number;
  height: number;
  format?: string;
  frames?: number;
}

/** docs/benchmarks/results.json: every figure of the doc, raw. */
export interface Results {
  date: string;
  quick?: boolean;
  runSeconds?: Record<string, number>;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; sharp: string; libvips: string };
  versions?: Record<string, string>;
  pinning?: { loadCpu: string; serverCpu: string };
  inputs: InputDescription[];
  uploadInputs?: InputDescription[];
  processing?: ProcessingResult & { date?: string };
  ingest?: Dated<IngestResult>;
  relay?: Dated<RelayResult>;
  serving?: Dated<ServingResult>;
  ready?: Dated<ReadyResult>;
  cleanup?: Dated<CleanupResult>;
  pastes?: Dated<PastesResult>;
}

/** Targets of issue #7, in one place. */
export const TARGETS = {
  ingestToLowestCeiling: 0.7,
  ingestP99Ms: 100,
  /**
   * "Flat": the api's peak RSS grows by less than this many times its upload memory budget
   * (UPLOAD_MEMORY_BYTES): bounded by the setting, not by how many uploads are in flight.
   */
  ingestMemoryBudgets: 3,
  relayToIngestPeak: 3,
  relayP99Ms: 250,
  servingToPlainNginx: 0.9,
  servingToApi: 5,
  readyP95Ms: 1000,
  /** "No growth with the total": 1M-row figures at most this much above the 100k-row ones. */
  cleanupGrowth: 1.3,
};

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const kb = (bytes: number) =>
  bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
const verdict = (met: boolean) => (met ? '**met**' : '**missed**');

/** "api 1.2 + nginx 0.3 …" from CPU-ms per operation by process group. */
function cpuParts(cpu: Record<string, number>): string {
  return Object.entries(cpu)
    .filter(([name]) => name !== 'total')
    .map(([name, ms]) => `${name} ${f2(ms)}`)
    .join(' + ');
}

function rateRow(name: string, r: Rate, extra = ''): string {
  return `| ${name} | ${f0(r.rps)} | ${f1(r.latencyMs.p50)} | ${f1(r.latencyMs.p99)} | ${f2(r.cpuMsPerOp.total ?? Number.NaN)} (${cpuParts(r.cpuMsPerOp)}) | ${r.errors} | ${extra} |`;
}

/** Which outputs Pictor makes larger or worse than the peer, in words, from the per-output table. */
function peerVerdict(peer: NonNullable<ProcessingResult['peer']>): string {
  const larger = peer.outputs.filter((o) => o.pictor.bytes > o.peer.bytes);
  const worse = peer.outputs.filter((o) => o.pictor.ssim < o.peer.ssim);
  const both = peer.outputs.filter((o) => o.pictor.bytes > o.peer.bytes && o.pictor.ssim < o.peer.ssim);
  const list = (os: typeof peer.outputs, what: (o: (typeof peer.outputs)[number]) => string) =>
    os.length ? os.map((o) => `${o.output} (${what(o)})`).join(', ') : 'none';
  const pct = (a: number, b: number) => `${a > b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;
  return `Outputs where Pictor's file is larger than thumbor's: ${list(larger, (o) => `${pct(o.pictor.bytes, o.peer.bytes)} bytes, SSIM ${(o.pictor.ssim - o.peer.ssim >= 0 ? '+' : '') + (o.pictor.ssim - o.peer.ssim).toFixed(4)}`)}.
Outputs where its SSIM is lower: ${list(worse, (o) => `${(o.pictor.ssim - o.peer.ssim).toFixed(4)}, bytes ${pct(o.pictor.bytes, o.peer.bytes)}`)}.
${
  both.length
    ? `Larger and lower at once: ${list(both, (o) => `${pct(o.pictor.bytes, o.peer.bytes)} bytes, SSIM ${(o.pictor.ssim - o.peer.ssim).toFixed(4)}`)}: there Pictor loses on both counts.`
    : `Larger and lower at once: **none**. Where Pictor's file is larger it is also closer to the original, so the two encoders sit at different points of the same size–quality trade rather than one losing on both.`
}`;
}

/** The decisions the lever table supports, with its figures. */
function leverVerdict(levers: readonly LeverPoint[]): string {
  const find = (lever: string, setting: string) =>
    levers.find((l) => l.lever === lever && l.setting.startsWith(setting));
  const base = find('AVIF chroma', '4:2:0');
  if (!base) return '';
  const pct = (a: number, b: number) => `${a > b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;
  const against = (l: LeverPoint | undefined, name: string) =>
    l
      ? `${name}: CPU ${pct(l.cpuMsPerImage, base.cpuMsPerImage)}, bytes ${pct(l.bytesPerImage, base.bytesPerImage)}, SSIM ${(l.ssim - base.ssim >= 0 ? '+' : '') + (l.ssim - base.ssim).toFixed(4)}`
      : '';
  const lines = [
    against(find('AVIF chroma', '4:4:4'), "sharp's default 4:4:4 chroma against the 4:2:0 Pictor now writes"),
    against(find('AVIF effort', '1'), 'AVIF effort 1 against 2'),
    against(find('AVIF effort', '3'), 'AVIF effort 3 against 2'),
    against(find('libvips threads per job', '2'), 'two libvips threads per job against one'),
    against(find('jobs in parallel', '2'), 'two images at once (one thread each) against one at a time'),
  ].filter(Boolean);
  return `Against the default (4:2:0, effort ${DEFAULT_ENCODING.avifEffort}, one image at a time, one libvips thread):

${lines.map((l) => `- ${l}`).join('\n')}

Adopted: 4:2:0 (smaller and cheaper at the same SSIM). Effort stays ${DEFAULT_ENCODING.avifEffort}: effort 1 halves
the AVIF encoder's CPU but loses SSIM at the same bytes (recovering it with a higher quality
costs more bytes than effort ${DEFAULT_ENCODING.avifEffort}), and effort 3 buys smaller files with CPU. libvips keeps one
thread per image (its default on glibc) and the worker runs \`WORKER_CONCURRENCY\` images at once:
a second thread per image costs CPU for the same outputs and shortens an image's wall time only
while a core would otherwise be idle. Wall times in this table are only comparable on a quiet
machine; the CPU figures are what this section compares.

`;
}

function processing(p: NonNullable<Results['processing']>, inputs: number): string {
  const e = DEFAULT_ENCODING;
  const peer = p.peer;
  const q = (o: { bytes: number; ssim: number; psnr: number }) => `${o.bytes} | ${o.ssim.toFixed(4)} | ${f2(o.psnr)}`;
  const peerSection = peer
    ? `### Against thumbor (the peer)

thumbor ${peer.peer.thumbor} with Pillow ${peer.peer.pillow} (${Object.entries(peer.peer.codecs)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}), installed from PyPI into a virtualenv the bench makes in its cache directory,
run with \`--processes=${peer.peer.processes}\` and this \`thumbor.conf\` (everything else thumbor's defaults):
${Object.entries(peer.peer.config)
  .map(([k, v]) => `\`${k} = ${v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : String(v)}\``)
  .join(', ')}.
Each output is one request for the same file with Pictor's quality for its format
(\`/unsafe/fit-in/<box>/filters:format(<format>):quality(<q>)/<file>\`; the display copy
\`/unsafe/filters:quality(${e.displayQuality})/<file>\`), two requests in flight. thumbor's own defaults
are kept where Pictor has no equivalent: progressive, Huffman-optimised JPEG; AVIF at Pillow's
speed 6 and 4:2:0 (its quality is on libavif's scale, so the two AVIF columns differ in bytes and
fidelity at the same number, and both are shown). Pictor: the worker's code (\`SharpImageProcessor\`)
in this process, one image at a time, libvips' default of one thread per pipeline on glibc (the outputs
of one format group are encoded at once, each on its own thread, as in the worker).

CPU is user + system time: Pictor's from \`process.cpuUsage\` around its rounds, thumbor's from
/proc over its parent and worker processes around its rounds. The two alternate round by round
(${peer.rounds} rounds of ${inputs} photographs each, after a warm-up round), so a neighbour's load on the
shared machine falls on both; wall time is not compared.

| pipeline | CPU ms / image |
|---|---|
| Pictor (default set, placeholder included) | ${f1(peer.pictorCpuMs)} |
| thumbor (the same outputs, no placeholder) | ${f1(peer.peerCpuMs)} |

**Pictor / thumbor = ${f2(peer.ratio)}** (target ≤ 0.8: ${verdict(peer.ratio <= 0.8)}). thumbor's CPU for a
request that does almost nothing (a 1×1 JPEG of a 2560×1600 photograph, decoded at ⅛ scale)
is ${f1(peer.peerRequestCpuMs)} ms: its fixed cost per output, which Pictor, making every output from one
decode in one job, does not pay.

Bytes and fidelity per output, averaged over the photographs. Fidelity is luma SSIM (8×8
windows every 4 pixels, as ffmpeg's \`ssim\`) and PSNR against the original resized to the
output's exact size with Lanczos 3 by libvips, the same reference for both. The reference comes
from the same resampler as Pictor's outputs, which favours Pictor by a margin this bench does not
measure; read small SSIM leads (< 0.002) as a tie.

| output | Pictor bytes | SSIM | PSNR dB | thumbor bytes | SSIM | PSNR dB |
|---|---|---|---|---|---|---|
${peer.outputs.map((o) => `| ${o.output} | ${q(o.pictor)} | ${q(o.peer)} |`).join('\n')}

${peerVerdict(peer)}

One fit-640 JPEG (quality ${e.jpegQuality}) from the original, alone, as a resizing service makes it on
request (${4 * peer.rounds} rounds, interleaved):

| pipeline | CPU ms / image | bytes | SSIM | PSNR dB |
|---|---|---|---|---|
| sharp (Pictor's settings: progressive, libjpeg-turbo) | ${f1(peer.single.pictorCpuMs)} | ${q(peer.single.pictor)} |
| thumbor | ${f1(peer.single.peerCpuMs)} | ${q(peer.single.peer)} |
| sharp, baseline JPEG instead of progressive | ${f1(peer.single.pictorBaselineCpuMs ?? Number.NaN)} | | | |
| sharp, fit-512 (decoded straight to 640 wide by the JPEG decoder's ¼–⅛ scaling, then reduced) | ${f1(peer.single.pictorQuarterDecodeCpuMs ?? Number.NaN)} | | | |

**sharp / thumbor = ${f2(peer.single.ratio)}** (target ≤ 1.0: ${verdict(peer.single.ratio <= 1)}).${
        peer.single.ratio > 1 && peer.single.pictorQuarterDecodeCpuMs !== undefined
          ? `

Why: for an exact 4× or 8× reduction sharp's shrink-on-load takes the JPEG decoder's scaling one
step short (its pipeline lowers the factor when it equals the integer shrink, for "known libjpeg
rounding errors") and resizes the rest with Lanczos 3, where Pillow, under thumbor, decodes at ¼
or ⅛ straight to size (\`draft\`). The fit-512 row decodes at ¼ or ⅛ as Pillow does and costs
${f1(peer.single.pictorQuarterDecodeCpuMs)} ms (${f2(peer.single.pictorQuarterDecodeCpuMs / peer.single.peerCpuMs)}× thumbor)${
              peer.single.pictorQuarterDecodeCpuMs <= peer.single.peerCpuMs * 1.05
                ? ': the decode scale is the gap'
                : ': the decode scale is part of the gap, the rest is libvips against Pillow on the same work'
            }, and sharp exposes no option to change it. The extra step is also why sharp's 640-wide JPEG is closer to the original (SSIM
${peer.single.pictor.ssim.toFixed(4)} against ${peer.single.peer.ssim.toFixed(4)}) at about the same bytes. A baseline JPEG would save
${f1(peer.single.pictorCpuMs - (peer.single.pictorBaselineCpuMs ?? peer.single.pictorCpuMs))} ms, not enough to close it, and thumbor's is progressive too.`
          : ''
      }

`
    : '';
  const levers = p.levers ?? [];
  const leverTable = levers.length
    ? `### Levers

Each setting of Pictor's pipeline tried on the whole default set (one round after a warm-up, so
the CPU figures are within a few per cent of each other run to run: read the bytes and SSIM as
exact, the CPU as a direction). SSIM is the mean over the variants (display copy excluded).

| lever | setting | CPU ms / image | wall ms / image | bytes / image | SSIM | |
|---|---|---|---|---|---|---|
${levers
  .map(
    (l) =>
      `| ${l.lever} | ${l.setting} | ${f1(l.cpuMsPerImage)} | ${f1(l.wallMsPerImage)} | ${l.bytesPerImage} | ${l.ssim.toFixed(4)} | ${l.adopted ? '**default**' : ''} |`,
  )
  .join('\n')}

${leverVerdict(levers)}`
    : '';
  return `## 1. Processing

CPU time (user + system over every thread of the process) per image, for the default output set:
the display copy, a thumbnail and the widths 640 and 1280, each in JPEG, WebP and AVIF (effort
${e.avifEffort}, 4:2:0), and the ThumbHash placeholder — ${p.outputsPerImage} outputs per image. Run
\`npm run bench:processing\`; it takes a few minutes on a quiet machine and needs no engine
(thumbor comes from PyPI into a virtualenv in \`~/.cache/pictor/peers\`, or \`PICTOR_PEERS_CACHE\`).
On a machine shared with other work the wall times below stretch with the neighbours' load
while CPU times barely move: compare CPU.

${peerSection}### Against its own parts

Each measurement runs every input once to warm up, then ${p.pictor.ops / inputs} rounds.

| pipeline | CPU ms / image | wall ms / image |
|---|---|---|
| Pictor (one shrink-on-load decode for all variants) | ${f1(p.pictor.cpuMsPerOp)} | ${f1(p.pictor.wallMsPerOp)} |
| naive: an independent sharp pipeline per output | ${f1(p.naive.cpuMsPerOp)} | ${f1(p.naive.wallMsPerOp)} |
| floor: decode + one JPEG thumbnail | ${f1(p.floor.cpuMsPerOp)} | ${f1(p.floor.wallMsPerOp)} |

**Pictor / naive = ${f2(p.ratioToNaive)}** (target ≤ 0.85: ${verdict(p.ratioToNaive <= 0.85)}). Pictor / floor =
${f1(p.pictor.cpuMsPerOp / p.floor.cpuMsPerOp)}.

${leverTable}### AVIF effort and chroma

AVIF encoding dominates the variants. One 1280-wide AVIF per input (quality ${e.avifQuality}):

| chroma | effort | CPU ms | bytes | SSIM | PSNR dB |
|---|---|---|---|---|---|
${p.avifEfforts.map((a) => `| ${a.chroma ?? '4:4:4'} | ${a.effort} | ${f1(a.cpuMsPerOp)} | ${a.bytes} | ${a.ssim === undefined ? '–' : a.ssim.toFixed(4)} | ${a.psnr === undefined ? '–' : f2(a.psnr)} |`).join('\n')}
`;
}

function ingest(r: Dated<IngestResult>): string {
  const sizes = r.sizes
    .map((s) => {
      const c = s.ceilings;
      const met = s.ratioToLowest >= TARGETS.ingestToLowestCeiling;
      const partsCpu =
        (c.s3Put.cpuMsPerOp.total ?? 0) + (c.multipart.cpuMsPerOp.total ?? 0) + (c.transaction.cpuMsPerOp.total ?? 0);
      const reason = met
        ? ''
        : `\n\nWhy: the full path is bound by the one server core, and per upload it spends ${f2(s.full.cpuMsPerOp.total ?? Number.NaN)} CPU-ms there ` +
          `(${cpuParts(s.full.cpuMsPerOp)}), where the three parts alone spend ${f2(partsCpu)} together. ` +
          `The api's validation of the bytes (magic numbers, sharp metadata and a shrink-on-load trial decode that reads every byte) ` +
          `costs ${f2(s.validationCpuMs)} CPU-ms of it, and no ceiling includes it; each ceiling has the core to itself.`;
      return `### ${s.label} (${s.input}, ${s.bytes} bytes)

| path | uploads/s | p50 ms | p99 ms | server CPU-ms / upload | errors | |
|---|---|---|---|---|---|---|
${rateRow('**full: NGINX → api → MinIO → PostgreSQL → 201**', s.full)}
${rateRow('ceiling: raw PUTs to the same MinIO (minio-js)', c.s3Put)}
${rateRow('ceiling: multipart parsing alone (busboy, in Node)', c.multipart)}
${rateRow(`ceiling: the transaction alone (pgbench, ${'extended protocol'})`, c.transaction, 'p99 not reported by pgbench')}

Validation alone (in the bench process): ${f2(s.validationCpuMs)} CPU-ms per upload.
**Full / lowest ceiling (${s.lowestCeiling.name}) = ${f2(s.ratioToLowest)}** (target ≥ ${TARGETS.ingestToLowestCeiling}: ${verdict(met)}).${reason}
`;
    })
    .join('\n');
  const b = r.belowSaturation;
  const p99Met = b.latencyMs.p99 < TARGETS.ingestP99Ms && b.ok === b.sent;
  const m = r.memory;
  const growth = m.peakBytes - m.baselineBytes;
  const inFlight = m.uploads * m.bytesEach;
  const memoryMet = growth < TARGETS.ingestMemoryBudgets * m.budgetBytes && m.ok === m.uploads;
  return `## 2. Ingest

Uploads through the production path: the chart's NGINX edge (its template rendered for loopback,
one worker), the \`api\` target as its own process on PostgreSQL, MinIO and Redis, one multipart
upload per request, answered 201 after the original is stored and the image row and its outbox
row are committed in one transaction. wrk (${r.connections} connections, ${r.durationS} s after a warm-up) posts
the same multipart body over and over; every upload is a new image.

The ceilings are measured in the same run, on the same core, with the same bytes and concurrency:
raw PUTs of the bytes to the same MinIO with the api's own S3 client (minio-js, in a separate
Node process on the load core); the api's multipart middleware alone (the same busboy settings in
a bare HTTP server that stores nothing); and the upload's transaction alone (INSERT image,
INSERT outbox, COMMIT) with pgbench on as many connections as the api's pool. Server CPU is read
from /proc (user + system of every process and thread of each server, including exited children)
and divided by the successful operations.

${sizes}
### Latency below saturation

200 KB uploads at a fixed rate of ${b.ratePerS}/s (half the peak above) for ${b.durationS ?? 10} s, sent on schedule whether or
not earlier ones were answered, latency counted from the scheduled time: p50 ${f1(b.latencyMs.p50)} ms, p95
${f1(b.latencyMs.p95)} ms, **p99 ${f1(b.latencyMs.p99)} ms** (target < ${TARGETS.ingestP99Ms} ms: ${verdict(p99Met)}); ${b.ok} of ${b.sent} answered 201.${
    b.apiGc
      ? `
Meanwhile the api ran ${b.apiGc.major} full garbage collection${b.apiGc.major === 1 ? '' : 's'} (${f1(b.apiGc.majorMs)} ms of its main thread in all, final pauses and
incremental marking steps) and ${b.apiGc.minor} scavenges (${f1(b.apiGc.minorMs)} ms).`
      : ''
  }${
    b.s3PutLatencyMs
      ? `
Storage alone at the same rate, right after (raw PUTs of the same photograph to the same MinIO with minio-js,
on schedule as above): p50 ${f1(b.s3PutLatencyMs.p50)} ms, p95 ${f1(b.s3PutLatencyMs.p95)} ms, p99 ${f1(b.s3PutLatencyMs.p99)} ms.`
      : ''
  }

### Memory under large uploads

${m.uploads} uploads of ${mib(m.bytesEach)} at once (${mib(inFlight)} in flight), each on its own connection through the
edge, while the api's resident memory is sampled every 20 ms: ${mib(m.baselineBytes)} before, **${mib(m.peakBytes)} at the
peak**, a growth of ${mib(growth)}, ${f2(growth / inFlight)} of the bytes in flight. The api charges upload bytes to its
memory budget (\`UPLOAD_MEMORY_BYTES\`, ${mib(m.budgetBytes)}) as they arrive, and pauses reading the others while it
is full; each admitted byte is held about twice while the parser joins the parts, and the S3 request sends
the joined buffer itself (minio-js copied it once more before patches/minio+8.0.7.patch).
Target "flat", taken as a growth under ${TARGETS.ingestMemoryBudgets} budgets whatever the number in flight: ${verdict(memoryMet)}. ${m.ok} of ${m.uploads} answered 201 in ${f1(m.durationS)} s (statuses: ${JSON.stringify(m.statuses)}).

${INGEST_DECISIONS}
${INGEST_TAIL_DECISIONS}`;
}

function relay(r: Dated<RelayResult>, ingestPeak: number | undefined): string {
  const s = r.steady;
  const b = r.burst;
  const toIngest = ratio(b.eventsPerS, ingestPeak);
  const rateMet = Number.isFinite(toIngest) && toIngest >= TARGETS.relayToIngestPeak;
  const p99Met = s.commitToPublishMs.p99 < TARGETS.relayP99Ms;
  return `## 3. Relay

The \`relay\` target as its own process (batches of ${r.batchSize}, woken by LISTEN/NOTIFY, polling every
second as a safety net) publishing to Kafka with acks from all in-sync replicas. Outbox rows are
written by the bench straight into PostgreSQL; a kafkajs consumer in the bench reads the topic.

Steady: ${s.events} rows at ${s.ratePerS}/s (the ingest peak of this run), one committed transaction
each. Commit → publish is the time from the COMMIT's acknowledgement to the relay's produce
request (the message's Kafka CreateTime); commit → consume adds the broker and the consumer.

| latency | p50 ms | p95 ms | p99 ms | max ms |
|---|---|---|---|---|
| commit → publish | ${f1(s.commitToPublishMs.p50)} | ${f1(s.commitToPublishMs.p95)} | **${f1(s.commitToPublishMs.p99)}** | ${f1(s.commitToPublishMs.max)} |
| commit → consume | ${f1(s.commitToConsumeMs.p50)} | ${f1(s.commitToConsumeMs.p95)} | ${f1(s.commitToConsumeMs.p99)} | ${f1(s.commitToConsumeMs.max)} |

p99 commit → publish < ${TARGETS.relayP99Ms} ms: ${verdict(p99Met)}.

Burst: ${b.events} rows committed while the relay was stopped (SIGSTOP), then drained at once
(SIGCONT): **${f0(b.eventsPerS)} events/s** (${f2(b.durationS)} s to the last publish), ${f2(b.cpuMsPerEvent.total ?? Number.NaN)} CPU-ms per event
(${cpuParts(b.cpuMsPerEvent)}). Relay / ingest peak (${f0(ingestPeak ?? Number.NaN)} uploads/s) = **${f1(toIngest)}** (target
≥ ${TARGETS.relayToIngestPeak}: ${verdict(rateMet)}).
`;
}

function serving(r: Dated<ServingResult>): string {
  const toPlain = ratio(r.edgeWarm.rps, r.plainNginx.rps);
  const toApi = ratio(r.edgeWarm.rps, r.api.rps);
  const plainMet = toPlain >= TARGETS.servingToPlainNginx;
  const apiMet = toApi >= TARGETS.servingToApi;
  const why = plainMet
    ? ''
    : `\n\nWhy: plain NGINX spends ${f2(r.plainNginx.cpuMsPerOp.total ?? Number.NaN)} CPU-ms per request; the edge spends ` +
      `${f2(r.edgeWarm.cpuMsPerOp.total ?? Number.NaN)} (${cpuParts(r.edgeWarm.cpuMsPerOp)}) on the same core.`;
  return `## 4. Serving

One ready image (a ${r.input} upload, processed by the worker); its direct link is the display copy
(${kb(r.bytes)}). wrk (${r.connections} connections, one thread on the load core) requests it through the chart's
NGINX edge (one worker), from plain NGINX (the same binary, one worker, \`sendfile\`, an access log,
nothing else) serving the same bytes from a directory, and from the api's direct-link fallback,
which reads from MinIO. Cold: for ${f0(r.edgeCold.requests / (r.edgeCold.rps || 1))} s, links the edge has never served (copies of the
object under ${r.coldKeys} new keys), each requested once${r.coldKeysExhausted ? ' (the keys ran out: the end of the run was warm)' : ''}; warm: one link, over and over, after a warm-up.

| server | requests/s | p50 ms | p99 ms | server CPU-ms / request | errors | |
|---|---|---|---|---|---|---|
${rateRow('edge, cold', r.edgeCold)}
${rateRow('**edge, warm**', r.edgeWarm)}
${rateRow('plain NGINX, warm', r.plainNginx)}
${rateRow('api (from MinIO)', r.api)}

**Edge warm / plain NGINX = ${f2(toPlain)}** (target ≥ ${TARGETS.servingToPlainNginx}: ${verdict(plainMet)}); **edge warm / api = ${f1(toApi)}**
(target ≥ ${TARGETS.servingToApi}: ${verdict(apiMet)}); edge cold / plain NGINX = ${f2(ratio(r.edgeCold.rps, r.plainNginx.rps))}.${why}

${SERVING_DECISIONS}`;
}

function readyRow(name: string, s: ReadySeries): string {
  return `| ${name} | ${s.images} | ${f0(s.baseAndWebpMs.p50)} | ${f0(s.baseAndWebpMs.p95)} | ${f0(s.allMs.p50)} | ${f0(s.allMs.p95)} |`;
}

function ready(r: Dated<ReadyResult>): string {
  const met = r.photographs.baseAndWebpMs.p95 < TARGETS.readyP95Ms;
  const allMet = r.photographs.allMs.p95 < TARGETS.readyP95Ms;
  return `## 5. Upload to ready

The production shape: edge, \`api\`, \`relay\` and \`worker\` (concurrency ${r.workerConcurrency}) as separate processes,
nothing pinned (the worker uses both cores). Processing capacity is measured first: a burst of
2 MB photographs uploaded at once, divided by the time until the last was ready:
**${f2(r.capacityPerS)} images/s**. Then photographs are uploaded at half of it, ${f2(r.ratePerS)}/s, evenly
spaced, and the bench polls PostgreSQL every 25 ms for each image's recorded outputs: the time
from the 201 to the display copy and every JPEG and WebP variant being stored (they are
published before AVIF), and to \`ready\` (AVIF too).

| uploads | images | JPEG + WebP p50 ms | JPEG + WebP p95 ms | all p50 ms | all p95 ms |
|---|---|---|---|---|---|
${readyRow(`2 MB photographs (${r.photographs.inputs.length} distinct)`, r.photographs)}
${readyRow('PNG (1080×1920; PNG and WebP variants)', r.others.png)}
${readyRow('animated GIF (12 frames)', r.others.animated)}

**p95 to JPEG + WebP = ${f0(r.photographs.baseAndWebpMs.p95)} ms** for the photographs (target < ${TARGETS.readyP95Ms} ms: ${verdict(met)});
**p95 to every output, AVIF included = ${f0(r.photographs.allMs.p95)} ms** (issue #18's target < ${TARGETS.readyP95Ms} ms: ${verdict(allMet)}). The
PNG and GIF rows are few uploads, for reference only.

${READY_DECISIONS}`;
}

function cleanup(r: Dated<CleanupResult>): string {
  const [small, large] = r.cases;
  const rows = r.cases
    .map(
      (c) =>
        `| ${c.total.toLocaleString('en-US')} | ${c.expired.toLocaleString('en-US')} | ${c.deleted} | ${f2(c.runS)} | ${f0(c.loggedMs)} | ${c.scanned.rows} (${c.scanned.seqScans} seq scans) | ${c.claim.rows} rows, ${c.claim.sharedBlocks} blocks, ${f2(c.claim.executionMs)} ms | ${f0(c.postgresCpuMs)} | ${f1(c.seedS)} |`,
    )
    .join('\n');
  const timeGrowth = small && large ? large.loggedMs / small.loggedMs : Number.NaN;
  const rowGrowth = small && large ? large.scanned.rows / small.scanned.rows : Number.NaN;
  const met = timeGrowth <= TARGETS.cleanupGrowth && rowGrowth <= TARGETS.cleanupGrowth;
  return `## 6. Cleanup

\`pictor --target=cleanup\` (batches of ${r.batchSize}, orphan sweep off) on tables seeded with SQL
(\`generate_series\`): the expired images spread evenly through the table, half of the others
expiring in a month and half never. No objects are seeded: the run still lists and deletes each
image's keys in MinIO (absent keys), so its time includes a real run's storage round trips. Rows
scanned are the table's \`seq_tup_read\` + \`idx_tup_fetch\` over the run (pg_stat_user_tables); the
claim of one batch is shown by EXPLAIN (ANALYZE, BUFFERS) before the run${small ? ` (plan: ${small.claim.plan})` : ''}.

| images | expired | deleted | run s | cleanup ms (logged) | rows scanned | one claim | PostgreSQL CPU ms | seed s |
|---|---|---|---|---|---|---|---|---|
${rows}

1 000 000 / 100 000: time **${f2(timeGrowth)}×**, rows scanned **${f2(rowGrowth)}×** (target: no growth with the
total, taken as at most ${TARGETS.cleanupGrowth}× for noise: ${verdict(met)}).
`;
}

function pastes(r: Dated<PastesResult>, cores: number): string {
  const ratio = r.api.rps / r.redisGet.rps;
  return `## 7. Hot pastes

One paste of ${r.textBytes} bytes (a build log), read over and over as \`GET /p/<id>/raw\` from one
\`api\` process with ${r.connections} connections (wrk), against \`redis-benchmark\` asking the same Redis
for the very entry the api reads (\`GET pictor:paste:<id>\`, ${r.cachedBytes} bytes: metadata and text as
JSON) with as many connections. Machine load before the runs: ${f2(r.loadAverage)} (1-minute load average
on ${cores} cores; other work on the machine lowers both figures).

| reader | requests/s | p50 ms | p99 ms | CPU ms/op |
|---|---|---|---|---|
| api, \`/p/<id>/raw\` | ${f0(r.api.rps)} | ${f2(r.api.latencyMs.p50)} | ${f2(r.api.latencyMs.p99)} | ${f2(r.api.cpuMsPerOp.total ?? Number.NaN)} |
| redis-benchmark \`GET\` | ${f0(r.redisGet.rps)} | ${f2(r.redisGet.latencyMs.p50)} | ${f2(r.redisGet.latencyMs.p99)} | – |

**api / Redis GET = ${f2(ratio)}**. Scans of the \`pastes\` table during the api run
(pg_stat_user_tables): **${r.pastesTableScans}**${
    r.pastesTableScans === 0
      ? ' — the hot reads stayed off PostgreSQL (and off object storage: the text comes with the cached entry)'
      : ' — some reads reached PostgreSQL'
  }. ${r.api.errors} errors.
`;
}

export function markdown(r: Results): string {
  const sections: string[] = [];
  if (r.processing) sections.push(processing(r.processing, r.inputs.length));
  if (r.ingest) sections.push(ingest(r.ingest));
  if (r.relay) sections.push(relay(r.relay, r.ingest?.sizes[0]?.full.rps));
  if (r.serving) sections.push(serving(r.serving));
  if (r.ready) sections.push(ready(r.ready));
  if (r.cleanup) sections.push(cleanup(r.cleanup));
  if (r.pastes) sections.push(pastes(r.pastes, r.machine.cores));
  const versions = r.versions
    ? Object.entries(r.versions)
        .map(([name, version]) => `| ${name} | ${version} |`)
        .join('\n')
    : '';
  const uploads = (r.uploadInputs ?? [])
    .map(
      (i) =>
        `| ${i.name} | ${i.bytes} | ${i.width}×${i.height}${i.frames ? ` × ${i.frames} frames` : ''} | ${i.format ?? ''} |`,
    )
    .join('\n');
  return `# Benchmarks

Generated by \`npm run bench\` on ${r.date}${r.quick ? ' with BENCH_QUICK=1 (short runs: not for publishing)' : ''}. Absolute figures drift
on shared machines, so each comes with a baseline measured in the same run, and the ratio is
what to compare. \`npm run bench\` runs everything; \`npm run bench:<name>\` (or
\`node apps/bench/dist/main.js <name>\`) runs one measurement and keeps the others' last figures.
Raw figures: [benchmarks/results.json](benchmarks/results.json). To see where a Pictor process
spends its time, set \`BENCH_PROFILE_DIR=<dir>\`: every Pictor process of the run writes a V8 CPU
profile there when it exits (open it in Chrome DevTools); the figures of such a run are not for
publishing.

## Machine

${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, Node.js ${r.machine.node}, sharp ${r.machine.sharp}
(libvips ${r.machine.libvips}).${
    r.pinning
      ? ` The load generators (wrk, pgbench, the bench's own clients) run pinned to CPU ${r.pinning.loadCpu} and every
server process of measurements 2–4 (NGINX, the api, MinIO, PostgreSQL, Redis, Kafka, the relay) to
CPU ${r.pinning.serverCpu} (\`taskset\`), so neither side steals the other's core and each ratio compares two
things given the same single core; measurements 5 and 6 run unpinned.`
      : ''
  }

${
  versions
    ? `| component | version |
|---|---|
${versions}
`
    : ''
}
All engines run as plain processes on 127.0.0.1, started by \`@pictor/test-engines\` as for the
integration tests (PostgreSQL with \`fsync=off\` and \`synchronous_commit=off\`, a test setting,
like MinIO on one local drive).

## Inputs

Real photographs from Debian's \`plasma-workspace-wallpapers\` (downloaded with \`apt-get download\`,
unpacked, not installed):

| input | bytes | size |
|---|---|---|
${r.inputs.map((i) => `| ${i.name} | ${i.bytes} | ${i.width}×${i.height} |`).join('\n')}
${
  uploads
    ? `
Uploads of measurements 2–5, made from them with sharp (JPEG quality chosen for the size; cached):

| upload | bytes | size | format |
|---|---|---|---|
${uploads}
`
    : ''
}
${sections.join('\n')}`;
}
