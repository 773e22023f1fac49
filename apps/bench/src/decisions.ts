/**
 * What was changed (or left) after measuring, with the A/B figures behind each decision. These
 * are not figures of the run that writes the page: they come from interleaved A/B rounds of the
 * single measurements (old build and new build in turn, same engines, same inputs), and are kept
 * here so that the page says why the code is as it is.
 */

/** Appended to measurement 2 (ingest). */
export const INGEST_DECISIONS = `### What the api spends per upload, and what was cut

Measured A/B on 2026-12-01 on the 2-core machine while other work ran on it (load average 5–16):
the old build and the new one in turn, each round a fresh api and edge, 10 s of wrk per size after
a 2 s warm-up, the api's CPU read from /proc. Under that load CPU-ms per upload moved by ±20 % from
round to round for the same build, so medians are given; a quiet \`npm run bench\` replaces
the table above, not this paragraph. Series 1 (5 rounds each) ran while the new build also held
a change to the upload's transaction that was then dropped (below); series 2 (4 rounds each) is the
build as committed.

| api CPU-ms per upload, median of rounds | 200 KB before | 200 KB after | 2 MB before | 2 MB after |
|---|---|---|---|---|
| series 1 (5 + 5 rounds) | 11.38 | 9.12 | 55.85 | 46.38 |
| series 2 (4 + 4 rounds, as committed) | 11.22 | 10.73 | 53.19 | 47.59 |
| both (9 + 9 rounds) | 11.22 | 9.60 | 53.19 | 46.38 |

What changed, each found in a V8 CPU profile of the api under this bench (\`BENCH_PROFILE_DIR\`):

- **Spans are not recorded when nothing exports them.** Spans used to be built in full (attributes,
  timings, an express span per middleware layer, a pg span per statement) and dropped by a no-op
  processor: 10 % of the api's main-thread samples were OpenTelemetry's. Without an exporter the
  sampler is now \`ParentBased(AlwaysOff)\`: every span still gets its ids, so log lines keep
  \`traceId\`/\`spanId\` and Kafka headers still carry the trace to the relay and the worker, but no
  span object is made. With an exporter nothing changes. \`OTEL_SDK_DISABLED=true\` against the
  default (4 rounds each) put the whole of tracing at 0.5–0.7 CPU-ms per 200 KB upload.
- **The upload form's strict schema is built once.** \`UploadOptionsSchema.strict()\` was called in
  the handler, and zod 4 compiles a schema's parser on first use: 4 % of the main thread's samples,
  0.06 CPU-ms per upload when hot, more when not.
- **minio-js no longer copies the upload.** \`putObject\` wrapped a Buffer in a stream and read it
  back into a new Buffer (patches/minio+8.0.7.patch): 0.09 CPU-ms per 200 KB, 0.38 per 2 MB, and a
  second copy of every upload held during its PUT (the memory measurement's "held about twice").

Measured and kept:

- **The trial decode** (3.2 CPU-ms per 200 KB in this process, 21 per 2 MB: 0.5 ms of libvips set-up
  and the JPEG's entropy decoding at ⅛ scale) is what refuses a damaged upload before the 201.
  No cheaper decode keeps that: libvips' fixed cost is the floor of any sharp call, and a scan of
  the markers (EOI present) finds a cut file but not damaged entropy-coded data.
- **SHA-256 of the payload** (0.11 CPU-ms per 200 KB, 1.07 per 2 MB, Node 24's crypto with SHA-NI):
  over plain HTTP it is the only integrity check of the body MinIO verifies. minio-js has no option
  for \`UNSIGNED-PAYLOAD\` over HTTP (it follows \`useSSL\`), and without it minio-js would send a
  \`Content-MD5\` instead, which costs twice as much (MD5 has no SHA-NI). Kept.
- **JSON logging**: 0.02 CPU-ms per line through winston to a pipe, one line per request. Kept.
- **The upload's transaction** (BEGIN, INSERT image, INSERT outbox, COMMIT) as one statement
  (\`WITH … INSERT … unnest\`) saves round trips, but PGlite's socket server drops the connection
  after a failed autocommit statement (the embedded contract tests caught it), and in a transaction
  it saves one round trip of four. Not adopted.

Why the goal (api ≤ MinIO's CPU for the PUT) stays missed: the trial decode alone costs more than
MinIO's whole PUT of the same bytes, and the rest (HTTP in and out, multipart parsing, the S3
request and its signature, the transaction, the rate limiter's Redis call, the answer and its log
line) is spread over Node's core with no single part above a few per cent.
`;

/** Appended to measurement 2 (ingest), after INGEST_DECISIONS. */
export const INGEST_TAIL_DECISIONS = `### What the uploads' latency tail was, and what was cut

Measured on 2026-12-02 on the 2-core machine, quiet (load average about 2): the \`api\` and the
edge as in "Latency below saturation", 26 uploads/s of the 200 KB photograph for 20–30 s per run,
the CPU of every server process on the server core sampled every 10 ms, the api's collections
from V8's own trace (\`--trace-gc\`, \`--trace-incremental-marking\`).

- **Where the tail was.** Slow uploads came in bursts of three to eight consecutive requests, and
  every burst overlapped a full (mark-compact) garbage collection of the api. The api's own request
  durations (its log) had the same tail, so neither the edge nor storage made it (storage alone at
  this rate: p99 17 ms). The same rate of 25 KB uploads: 3 full collections in 30 s and a p99 of
  51 ms.
- **Why so many.** The api ran a full collection about once a second (12 to 13 in 20 s), each 30–80
  ms of incremental marking steps plus a 10–30 ms final pause on its main thread, with its marking
  threads competing for the same core. V8 started each one by its task right after the previous one
  ended: Node.js 24 had given the young generation 64 MiB semi-spaces (128 MiB of new space), and
  V8 starts marking the old generation as soon as the room left under its limit is less than the
  young generation could promote at once. With about 58 MB of old generation and a limit near
  130 MB, that was always so.
- **Cut: \`--max-semi-space-size=8\` for every Pictor process** (\`NODE_FLAGS\` in
  apps/pictor/src/node-options.ts: the container's entrypoint, \`npm start\`, the tests'
  processes). Full collections fell to one every 5–10 s at this rate, now started by the upload
  buffers reaching V8's external-memory limit or by promotions filling the old generation; about
  three 3–5 ms scavenges a second took their place. Two interleaved rounds each, default / 8 MiB /
  4 MiB: p95 122 and 106 / 36 and 32 / 36 and 36 ms, p99 167 and 146 / 113 and 91 / 121 and 121 ms,
  api CPU per upload at this rate 14.9 and 13.2 / 12.4 and 10.8 / 12.3 and 11.5 ms. 16 MiB ran
  more full collections than the default (18 in 20 s): its new space still exceeded the room under
  the limit.
- **Cut: a smaller heap, so that each full collection has less to mark.** Heap in use after
  start-up and a full collection: 85 MB before, 45 MB after. The Kubernetes client (about 25 MB)
  loads at the first on-demand backup instead of at start-up; without a trace exporter, tracing is
  set up from the OpenTelemetry SDK's parts instead of \`NodeSDK\`, whose module loads the exporters
  of every protocol, resource detection and the metrics and logs providers (about 8 MB); the
  common-password check ships the 1 557 passwords of 10 or more characters of zxcvbn-ts' list
  instead of keeping all 49 233 (about 57 000 fewer heap objects); one copy of mime-db instead of
  five; the country table keeps three fields per country. One forced full collection of the idle
  api: 101 ms of CPU at 58 MB, 87 at 53 MB, 81 at 45 MB (63–67 with tracing off entirely).
- **Measured, not adopted.** \`--single-threaded-gc\` and \`--no-concurrent-marking\` (all marking on
  the main thread, in small steps between requests): p99 50–63 ms and no upload above 100 ms in
  two rounds each, but 15–20 % more api CPU per upload, and where a machine has cores to spare they
  would take the marking off them and onto the requests' thread. They are V8 flags that go on
  node's command line, an operator's choice for pods held to one core. \`--heap-growing-percent=300\`
  (a higher old-generation limit: 4 full collections instead of 13 in 20 s, p95 40 ms) trades
  memory for it through a V8-internal flag.
- **What is left.** At half the peak rate the api still runs a full collection every 5–10 s, about
  80 ms of CPU on the one server core, and the uploads in flight wait for it: the p99 moves between
  about 65 and 130 ms from run to run with how many fall in the window, which is why the window is
  now 30 s and the page prints how many did.
`;

/** Appended to measurement 5 (upload to ready). */
export const READY_DECISIONS = `### The levers to bring "all outputs ready" under a second

Measured on the same shared machine, the old worker and the new one in turn, 2 rounds each of 16
2 MB photographs at a fixed 0.5/s, worker concurrency 2, the worker's CPU per image from /proc.
The machine was far from quiet (load average 12–19 on 2 cores), so the latencies below are not the
goal's: under that load the old worker's capacity fell under 0.5/s and its queue grew, which is
most of its p95. They show the direction; the CPU column shows the cost. Part of the new worker's
gain on a loaded machine is that more threads get more of a contended CPU; on a quiet one the gain
is the idle core, and a quiet run gives the figure against the goal.

| round | worker | load | JPEG + WebP p95 ms | all p50 ms | all p95 ms | worker CPU-ms / image |
|---|---|---|---|---|---|---|
| 1 | before (main) | 18.0 | 28007 | 6437 | 29671 | 808 |
| 1 | after | 16.4 | 5052 | 3138 | 6377 | 801 |
| 2 | after | 11.9 | 7083 | 3630 | 7865 | 769 |
| 2 | before (main) | 18.8 | 33680 | 17108 | 35578 | 782 |

Adopted: **an image's independent steps run at the same time** instead of one after another. The
variants' decode starts beside the display copy, and the outputs of one format group (the three
JPEGs, the three WebPs, the three AVIFs) are encoded at once, each on its own libvips thread, then
stored and published in plan order as before. Nothing is encoded differently: the outputs are byte
for byte those of the sequential pipeline (checked on Shell@4000~2MB, all nine variants and the
placeholder), so bytes and SSIM are those of measurement 1. It costs no CPU for the same work; it
uses a core that would otherwise idle while the worker has fewer jobs than cores, which at half the
capacity is most of the time. Under saturation it changes nothing: every core is busy either way.

Measured and not adopted (figures of measurement 1's tables):

- **AVIF effort 1** for the 1280-wide AVIF, the largest single cost (200 CPU-ms at effort 2, 83 at
  effort 1): its file is 0.2 % larger and its SSIM 0.0014 lower, larger and worse at once.
- **No AVIF for some variants**: a client that accepts AVIF would get the WebP, 36 % (thumbnail) to
  56 % (1280) larger. Refused: outputs must not grow.
- **Two libvips threads per job** (\`sharp.concurrency(2)\`): +7.8 % CPU for the same outputs, so
  fewer images per second at saturation; the same use of an idle core comes free from running the
  outputs at once.
- **More jobs in parallel** (\`WORKER_CONCURRENCY\` above the cores): +3.5 % CPU at two, and it does
  nothing for one image's latency while the queue is short.
- **Every variant queued at once** (2026-12-02): all nine encodes handed to libuv's pool as soon
  as the variants' base is decoded, beside the display copy, in plan order (the pool takes them first
  in, first out, so no core waits for the slowest output of a format group). Interleaved on the quiet
  machine, the committed worker and this one in turn, 40 photographs at half the capacity each:

  | round | worker | JPEG + WebP p50 / p95 ms | all p50 / p95 ms |
  |---|---|---|---|
  | 1 | one group at a time | 432 / 614 | 717 / 1068 |
  | 1 | all at once | 521 / 681 | 744 / 1111 |
  | 2 | one group at a time | 430 / 523 | 694 / 971 |
  | 2 | all at once | 451 / 590 | 659 / 966 |

  No difference to the last output beyond the rounds' spread, and the first formats came ~65 ms
  later at p95 in both rounds (the AVIFs take threads from them). Not adopted. The spread itself is
  the other finding: on this machine one quiet run's p95 to every output moves by ±100 ms around
  the 1 s goal, so the goal's verdict in the table above can flip from run to run.
`;

/** Appended to measurement 4 (serving). */
export const SERVING_DECISIONS = `### What a warm hit cost the edge, and what was cut

The edge used to spend about twice plain NGINX's CPU per warm hit (0.63 of its throughput in the
run before the change). Both run the same binary with \`sendfile\`, so the difference was looked for
in the kernel: per request the edge made fewer system calls than plain NGINX (it keeps the cache
file open and writes its log in batches), but its user time was 6–11 µs and its system time 67–91 µs
against plain NGINX's 3–5 and 27–33 (/proc of the worker, interleaved rounds of wrk on the same
link). \`perf record\` on the worker put half of the edge's samples in the kernel's
\`tcp_write_xmit\` under \`sendfile\`. A cache hit sends the start of the cached response (headers and
the first body bytes, read with the cache file's header) from memory and the rest with
\`sendfile\`; with \`tcp_nopush on\` NGINX corks the socket around that and the kernel paid for it on
every hit. Config variants, measured in interleaved rounds on a stand-in origin while other work ran
on the machine (user + system µs of the worker per hit, three rounds each; compare within the table):

| edge variant | µs per hit | |
|---|---|---|
| as it was (\`tcp_nopush on\`) | 74–102 | |
| \`pcre_jit on\`, a \`map\` for the method check, no \`if\`, a prefix location | 87–91 | the regex and the \`if\` cost little |
| no access log; no \`open_file_cache\` | 97–98 | neither is the cost |
| larger or smaller \`proxy_buffer_size\` (1k–256k) | 76–105 | no better |
| \`sendfile off\` | 67–73 | better, still twice |
| **\`tcp_nopush off\`** | **33–43** | plain NGINX: 34–37 |
| the same edge serving the file from disk (\`root\`) | 35–38 | headers, log and location cost a few µs |

Adopted: **\`tcp_nopush\` off on the edge** (NGINX's default). Plain NGINX keeps it on in this
comparison: for its static files it is the faster setting (34–37 against 37–42 µs per request
without it). Nothing the edge guarantees changed: the same headers, cache validity, delete bound and log.
`;
