import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { PASTE_TOPICS } from '@pictor/core';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { engines, freshBucket, freshDatabase, minioClient, pictorEnv } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

// Pastes on the real engines: PostgreSQL rows, the text in MinIO, hot reads in Redis, the created
// event through Kafka.
let database: { url: string; drop(): Promise<void> };
let bucket: string;
let pictor: TestPictor;

const MiB = 1024 * 1024;
const run = promisify(execFile);
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

beforeAll(async () => {
  database = await freshDatabase();
  bucket = await freshBucket();
  pictor = await startTestPictor(
    pictorEnv(database.url, bucket, {
      CACHE_TTL_SECONDS: '300',
      RATE_LIMIT_RESET: '100',
      VIEWS_FLUSH_SECONDS: '1',
      // The views test tells clients apart by X-Forwarded-For, believed from the loopback only.
      TRUSTED_PROXIES: '127.0.0.1',
    }),
  );
});

afterAll(async () => {
  await pictor?.stop();
  await database?.drop();
});

interface PasteDto {
  id: string;
  title: string | null;
  language: string | null;
  visibility: string;
  burnAfterReading: boolean;
  bytes: number;
  author: string | null;
  expiresAt: string | null;
  links: { view: string; short: string; raw: string; named: string | null };
  content?: string | null;
  deleteToken?: string;
  burnt?: boolean;
}

interface ErrorDto {
  error: { code: string; message: string; requestId: string };
}

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const path = (link: string) => new URL(link).pathname;

/** As `curl --data-binary @file` sends it: form-encoded by default, bytes untouched. */
async function postRaw(body: Buffer | string, query = '', headers: Record<string, string> = {}) {
  const res = await fetch(`${pictor.url}/api/v1/pastes${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'curl/8.5.0', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as PasteDto & ErrorDto };
}

async function postJson(json: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${pictor.url}/api/v1/pastes`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(json),
  });
  return { status: res.status, body: (await res.json()) as PasteDto & ErrorDto };
}

/** What a browser's navigation asks for: the page links answer it with HTML. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const get = (p: string, headers: Record<string, string> = { 'User-Agent': CHROME }, method = 'GET') =>
  fetch(`${pictor.url}${p}`, { method, headers: { Accept: BROWSER_ACCEPT, ...headers }, redirect: 'manual' });

/** Runs the real curl, as a new user would; its stdout as bytes. */
async function curl(...args: string[]): Promise<Buffer> {
  const { stdout } = await run('curl', ['--silent', '--show-error', '--fail', ...args], {
    encoding: 'buffer',
    maxBuffer: 4 * MiB,
  });
  return stdout;
}

async function objectExists(key: string): Promise<boolean> {
  return minioClient()
    .statObject(bucket, key)
    .then(
      () => true,
      () => false,
    );
}

/** Every link of a paste that readers use. */
const everyUrl = (paste: PasteDto) => [
  `/api/v1/pastes/${paste.id}`,
  path(paste.links.short),
  path(paste.links.raw),
  ...(paste.links.named ? [path(paste.links.named)] : []),
];

describe('creating and reading pastes', () => {
  it('when a log is posted as curl does, then its short and raw links serve it byte for byte, stored in MinIO, announced on Kafka', async () => {
    const log = Buffer.from('Build #42\r\n\tstep 1 ✓ grüße\n<script>alert(1)</script>\nend without newline', 'utf8');
    const created = await postRaw(log);
    expect(created.status).toBe(201);
    const paste = created.body;
    expect(paste.id).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(paste.deleteToken).toEqual(expect.any(String));
    expect(paste.links.named).toBeNull();
    expect(paste.bytes).toBe(log.length);

    const raw = await get(path(paste.links.raw));
    expect(raw.status).toBe(200);
    expect(Buffer.from(await raw.arrayBuffer()).equals(log)).toBe(true);
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
    expect(raw.headers.get('content-disposition')).toBe('inline');
    expect(raw.headers.get('content-security-policy')).toContain('sandbox');

    const page = await get(path(paste.links.short));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('alert(1)');
    expect(await objectExists(`pastes/${paste.id}`)).toBe(true);

    const kafka = new Kafka({ brokers: engines().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `pastes-test-${unique()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: PASTE_TOPICS.created, fromBeginning: true });
      const seen = new Promise<Record<string, unknown>>((resolve) => {
        void consumer.run({
          eachMessage: ({ message }) => {
            if (message.key?.toString() === paste.id)
              resolve(JSON.parse(message.value!.toString()) as Record<string, unknown>);
            return Promise.resolve();
          },
        });
      });
      expect(await seen).toEqual({ pasteId: paste.id, ownerId: null });
    } finally {
      await consumer.disconnect();
    }
  }, 60_000);

  it('when curl posts a file with --data-binary @file, then curl gets it back byte for byte from the short, raw and named links; a browser gets the page', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pictor-curl-'));
    try {
      const file = join(dir, 'build.log');
      const bytes = Buffer.concat([
        Buffer.from('Build #7\r\n\tcompiling grüße 🐘\n<b>not markup</b> & "quotes"\n', 'utf8'),
        Buffer.from('x'.repeat(70_000)),
        Buffer.from('\n\n  trailing spaces  ', 'utf8'),
      ]);
      await writeFile(file, bytes);
      const created = JSON.parse(
        (await curl('--data-binary', `@${file}`, `${pictor.url}/api/v1/pastes`)).toString(),
      ) as PasteDto;
      expect(created.bytes).toBe(bytes.length);
      for (const link of [created.links.short, created.links.raw, created.links.view]) {
        expect([link, (await curl(`${pictor.url}${path(link)}`)).equals(bytes)]).toEqual([link, true]);
      }

      const { client, name } = await signedUp();
      const token = await client.createToken('curl', ['pastes:write']);
      const named = JSON.parse(
        (
          await curl(
            '-H',
            `Authorization: Bearer ${token.body.token}`,
            '--data-binary',
            `@${file}`,
            `${pictor.url}/api/v1/pastes?title=Nightly%20build`,
          )
        ).toString(),
      ) as PasteDto;
      expect(path(named.links.named!)).toBe(`/${name}/nightly-build`);
      expect((await curl(`${pictor.url}/${name}/nightly-build`)).equals(bytes)).toBe(true);

      // The same links in a browser: the page, with the text escaped in it.
      const page = await get(path(created.links.short));
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('vary')).toMatch(/Accept/);
      expect(await page.text()).toContain('&lt;b&gt;not markup&lt;/b&gt;');
      // A link previewer asking for anything still gets the page, for its OpenGraph tags.
      const preview = await get(path(created.links.short), {
        'User-Agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
        Accept: '*/*',
      });
      expect(preview.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await preview.text()).toContain('<meta property="og:url"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('when a paste is sent as JSON with options, then the API returns it with its content and lists it if public', async () => {
    const title = `Config ${unique()}`;
    const created = await postJson({ content: 'key: value\n', title, language: 'yaml', expiresIn: '1h' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title, language: 'yaml', visibility: 'public' });
    expect(Date.parse(created.body.expiresAt!) - Date.now()).toBeGreaterThan(3500_000);
    const unlisted = await postJson({ content: 'secret-ish', visibility: 'unlisted' });

    const read = (await (await get(`/api/v1/pastes/${created.body.id}`)).json()) as PasteDto;
    expect(read.content).toBe('key: value\n');
    const list = (await (await get('/api/v1/pastes?limit=100')).json()) as { pastes: PasteDto[] };
    const ids = list.pastes.map((p) => p.id);
    expect(ids).toContain(created.body.id);
    expect(ids).not.toContain(unlisted.body.id);
    expect(list.pastes.every((p) => p.content === undefined)).toBe(true);
  });

  it('when public pastes span pages, then the cursor walks them newest first without repeats', async () => {
    for (let i = 0; i < 3; i++) expect((await postRaw(`page ${i}`)).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = '';
    for (let n = 0; n < 50 && cursor !== null; n++) {
      const res = await get(`/api/v1/pastes?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { pastes: PasteDto[]; nextCursor: string | null };
      seen.push(...page.pastes.map((p) => p.id));
      cursor = page.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });
});

describe('bad input', () => {
  const cases: [string, () => Promise<{ status: number; body: ErrorDto }>, number, string][] = [
    ['invalid UTF-8', () => postRaw(Buffer.from([0x68, 0x69, 0xc3, 0x28, 0x0a])), 400, 'INVALID_TEXT'],
    ['a NUL byte', () => postRaw(Buffer.from('before\u0000after')), 400, 'INVALID_TEXT'],
    ['a NUL in JSON', () => postJson({ content: 'a\u0000b' }), 400, 'INVALID_TEXT'],
    ['a lone surrogate in JSON', () => postJson({ content: 'a\ud800b' }), 400, 'INVALID_TEXT'],
    ['1 MiB + 1 byte', () => postRaw(Buffer.alloc(MiB + 1, 'a')), 413, 'PASTE_TOO_LARGE'],
    ['1 MiB + 1 byte in JSON', () => postJson({ content: 'a'.repeat(MiB + 1) }), 413, 'PASTE_TOO_LARGE'],
    ['an empty body', () => postRaw(''), 400, 'EMPTY_PASTE'],
    ['empty JSON content', () => postJson({ content: '' }), 400, 'EMPTY_PASTE'],
    ['a 10 KB title', () => postJson({ content: 'x', title: 't'.repeat(10_240) }), 400, 'INVALID_TITLE'],
    ['a 10 KB title in the query', () => postRaw('x', `?title=${'t'.repeat(10_240)}`), 400, 'INVALID_TITLE'],
    ['a title with a newline', () => postJson({ content: 'x', title: 'a\nb' }), 400, 'INVALID_TITLE'],
    ['an unknown language', () => postJson({ content: 'x', language: 'klingon' }), 400, 'VALIDATION_FAILED'],
    ['a bad expiry', () => postJson({ content: 'x', expiresIn: 'soon' }), 400, 'VALIDATION_FAILED'],
    ['an unknown JSON field', () => postJson({ content: 'x', owner: 'admin' }), 400, 'VALIDATION_FAILED'],
    ['broken JSON', () => postRaw('{"content":', '', { 'Content-Type': 'application/json' }), 400, 'VALIDATION_FAILED'],
    [
      'a Latin-1 charset',
      () => postRaw('x', '', { 'Content-Type': 'text/plain; charset=iso-8859-1' }),
      400,
      'INVALID_TEXT',
    ],
  ];
  it.each(cases)(
    'when the paste has %s, then it is refused with a clear code and nothing is stored',
    async (_name, send, status, code) => {
      const before = await pictor.handle.infrastructure.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pastes',
      );
      const answer = await send();
      expect([answer.status, answer.body.error?.code]).toEqual([status, code]);
      expect(answer.body.error.requestId).toEqual(expect.any(String));
      const after = await pictor.handle.infrastructure.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pastes',
      );
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    },
  );

  it('when the paste is exactly 1 MiB, then it is accepted and served whole', async () => {
    const text = Buffer.alloc(MiB, 'z');
    const created = await postRaw(text);
    expect(created.status).toBe(201);
    const raw = await get(path(created.body.links.raw));
    expect(Buffer.from(await raw.arrayBuffer()).equals(text)).toBe(true);
  });

  it('when a multipart form is posted, then 415 says which types are accepted', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    const res = await fetch(`${pictor.url}/api/v1/pastes`, { method: 'POST', body: form });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ErrorDto).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('when a title is only emoji or only ../, then the paste keeps it and it is shown as text', async () => {
    for (const title of ['🎉🔥', '../']) {
      const created = await postJson({ content: 'x', title });
      expect(created.status).toBe(201);
      expect(created.body.title).toBe(title);
    }
  });

  it('when text and title hold HTML and JS, then the page, its OpenGraph tags, the raw text and the lists show them as text', async () => {
    const title = `<img src=x onerror=alert(1)> "quoted" ${unique()}`;
    const content = '</code></pre><script>alert("xss")</script><a href="javascript:alert(1)">x</a>';
    const created = await postJson({ content, title });
    expect(created.status).toBe(201);
    const html = await (await get(path(created.body.links.short))).text();
    expect(html).not.toMatch(/<script>alert|<img src=x|<a href="javascript/);
    // The code block, its tags removed and its entities decoded, is the text exactly.
    const code = /<code class="hljs">([\s\S]*)<\/code><\/pre>/.exec(html)![1]!;
    const shown = code
      .replace(/<[^>]+>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#x27;/g, "'")
      .replace(/&amp;/g, '&');
    expect(shown).toBe(content);
    expect(html).toMatch(/<meta property="og:title" content="&#60;img src=x onerror=alert\(1\)&#62; &#34;quoted&#34;/);
    const raw = await get(path(created.body.links.raw));
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await raw.text()).toBe(content);
    const list = (await (await get('/api/v1/pastes?limit=100')).json()) as { pastes: PasteDto[] };
    expect(list.pastes.find((p) => p.id === created.body.id)?.title).toBe(title);
  });

  it('when an id is malformed or unknown, then every link answers 404 PASTE_NOT_FOUND', async () => {
    for (const p of ['/api/v1/pastes/ZZZZZZZZ', '/api/v1/pastes/..%2f..%2fetc', '/p/ZZZZZZZZ', '/p/ZZZZZZZZ/raw']) {
      const res = await get(p);
      expect([p, res.status]).toEqual([p, 404]);
    }
  });
});

async function signedUp() {
  const name = `pc_${unique()}`.slice(0, 30);
  const client = new AccountsClient(pictor.url);
  expect((await client.register(name, `${name}@example.org`, 'pastes passphrase two')).status).toBe(201);
  expect((await client.login(name, 'pastes passphrase two')).status).toBe(200);
  return { name, client };
}

describe('deleting, expiry and burning', () => {
  it('when the delete token of another paste is used, then 403 and the paste stays; its own token deletes it everywhere, cache included', async () => {
    const mine = (await postRaw('mine')).body;
    const other = (await postRaw('other')).body;
    // Read once so that the cache holds it.
    expect((await get(path(mine.links.raw))).status).toBe(200);
    const wrong = await fetch(`${pictor.url}/api/v1/pastes/${mine.id}`, {
      method: 'DELETE',
      headers: { 'X-Delete-Token': other.deleteToken! },
    });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as ErrorDto).error.code).toBe('INVALID_DELETE_TOKEN');
    expect((await get(path(mine.links.raw))).status).toBe(200);

    const right = await fetch(`${pictor.url}/api/v1/pastes/${mine.id}?token=${mine.deleteToken}`, { method: 'DELETE' });
    expect(right.status).toBe(204);
    for (const url of everyUrl(mine)) expect([url, (await get(url)).status]).toEqual([url, 404]);
    expect(await objectExists(`pastes/${mine.id}`)).toBe(false);
  });

  it('when a paste expires, then every link answers 404 at once, from the cache too', async () => {
    const paste = (await postRaw('short-lived', '?expiresIn=2s')).body;
    expect((await get(path(paste.links.raw))).status).toBe(200);
    expect((await get(`/api/v1/pastes/${paste.id}`)).status).toBe(200);
    await sleep(Date.parse(paste.expiresAt!) - Date.now() + 50);
    for (const url of everyUrl(paste)) expect([url, (await get(url)).status]).toEqual([url, 404]);
  });

  it("when an author's Markdown paste expires, then its named link, its rendered view and every other link answer 404 at once, from the cache too", async () => {
    const { client } = await signedUp();
    const created = await client.request<PasteDto>('POST', '/api/v1/pastes', {
      json: { content: '# soon gone', title: 'Ephemeral notes', language: 'markdown', expiresIn: '2s' },
    });
    expect(created.status).toBe(201);
    const paste = created.body;
    const urls = [
      ...everyUrl(paste),
      `${path(paste.links.short)}?render=markdown`,
      `${path(paste.links.named!)}?render=markdown`,
    ];
    // Every link read once, so that the cache holds the paste.
    for (const url of urls) expect([url, (await get(url)).status]).toEqual([url, 200]);
    expect(await pictor.handle.infrastructure.cache.get(`paste:${paste.id}`)).toBeDefined();
    await sleep(Date.parse(paste.expiresAt!) - Date.now() + 50);
    for (const url of urls) expect([url, (await get(url)).status]).toEqual([url, 404]);
    expect((await get(path(paste.links.short), { 'User-Agent': 'curl/8.5.0', Accept: '*/*' })).status).toBe(404);
  });

  it('when link previewers, HEAD and prefetches open a burn-after-reading paste, then it survives and they get no text', async () => {
    const paste = (await postRaw('burn me', '?burnAfterReading=true')).body;
    expect(paste.burnAfterReading).toBe(true);
    expect((await get(path(paste.links.short), { 'User-Agent': CHROME }, 'HEAD')).status).toBe(200);
    const slack = await get(path(paste.links.short), {
      'User-Agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    });
    expect(slack.status).toBe(200);
    expect(await slack.text()).not.toContain('burn me');
    const telegram = await get(path(paste.links.raw), { 'User-Agent': 'TelegramBot (like TwitterBot)' });
    expect(telegram.status).toBe(403);
    const prefetch = await get(`/api/v1/pastes/${paste.id}`, { 'User-Agent': CHROME, 'Sec-Purpose': 'prefetch' });
    expect(((await prefetch.json()) as PasteDto).content).toBeNull();

    const read = await get(path(paste.links.raw), { 'User-Agent': 'curl/8.5.0' });
    expect([read.status, await read.text()]).toEqual([200, 'burn me']);
    for (const url of everyUrl(paste)) expect([url, (await get(url)).status]).toEqual([url, 404]);
    expect(await objectExists(`pastes/${paste.id}`)).toBe(false);
    const { rows } = await pictor.handle.infrastructure.pool.query('SELECT 1 FROM pastes WHERE id = $1', [paste.id]);
    expect(rows).toEqual([]);
  });

  it('when ten readers race for a burn-after-reading paste, then exactly one gets the text', async () => {
    const paste = (await postRaw('only once', '?burnAfterReading=1')).body;
    const answers = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res = await get(i % 2 ? path(paste.links.raw) : `/api/v1/pastes/${paste.id}`);
        return { status: res.status, text: await res.text() };
      }),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.text).toContain('only once');
    expect(answers.filter((a) => a.status === 404)).toHaveLength(9);
    expect(await metric('pictor_pastes_burnt_total')).toBeGreaterThanOrEqual(1);
  });
});

describe('authors', () => {
  async function signedIn() {
    const name = `pa_${unique()}`.slice(0, 30);
    const client = new AccountsClient(pictor.url);
    expect((await client.register(name, `${name}@example.org`, 'pastes passphrase one')).status).toBe(201);
    expect((await client.login(name, 'pastes passphrase one')).status).toBe(200);
    return { name, client };
  }

  it('when a signed-in author pastes, then /<username>/<title> serves it, a repeat title gets -2, and a rename keeps the old URL redirecting', async () => {
    const { name, client } = await signedIn();
    const first = await client.request<PasteDto>('POST', '/api/v1/pastes', {
      json: { content: 'print("hi")\n', title: 'Привет мир', language: 'python' },
    });
    expect(first.status).toBe(201);
    expect(first.body.author).toBe(name);
    expect(path(first.body.links.named!)).toBe(`/${name}/privet-mir`);
    expect(first.body.deleteToken).toEqual(expect.any(String));
    const page = await get(`/${name}/privet-mir`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<span class="hljs-built_in">print</span>');

    const second = await client.request<PasteDto>('POST', '/api/v1/pastes', {
      json: { content: 'again', title: 'Привет мир' },
    });
    expect(path(second.body.links.named!)).toBe(`/${name}/privet-mir-2`);

    const renamed = await client.request<PasteDto>('PATCH', `/api/v1/pastes/${first.body.id}`, {
      json: { title: 'Release notes' },
    });
    expect(renamed.status).toBe(200);
    expect(path(renamed.body.links.named!)).toBe(`/${name}/release-notes`);
    const old = await get(`/${name}/privet-mir`);
    expect([old.status, old.headers.get('location')]).toEqual([301, `/${name}/release-notes`]);
    const rendered = await get(`/${name}/privet-mir?render=markdown`);
    expect([rendered.status, rendered.headers.get('location')]).toEqual([
      301,
      `/${name}/release-notes?render=markdown`,
    ]);
    const upper = await get(`/${name.toUpperCase()}/release-notes`);
    expect([upper.status, upper.headers.get('location')]).toEqual([301, `/${name}/release-notes`]);

    const mine = await client.request<{ pastes: PasteDto[] }>('GET', '/api/v1/account/pastes');
    expect(mine.body.pastes.map((p) => p.id)).toEqual([second.body.id, first.body.id]);
  });

  it('when a title slugs to a reserved word or to nothing, then the URL gets a suffix or the id and never shadows a route', async () => {
    const { name, client } = await signedIn();
    const raw = await client.request<PasteDto>('POST', '/api/v1/pastes', { json: { content: 'x', title: 'raw' } });
    expect(path(raw.body.links.named!)).toBe(`/${name}/raw-2`);
    const emoji = await client.request<PasteDto>('POST', '/api/v1/pastes', { json: { content: 'x', title: '🎉' } });
    expect(path(emoji.body.links.named!)).toBe(`/${name}/${emoji.body.id.toLowerCase()}`);
    // Routes of the site still answer as themselves.
    expect((await get('/api/v1/pastes')).status).toBe(200);
    expect((await get(`/u/${name}`)).status).toBe(200);
  });

  it("when someone else patches or deletes an author's paste, then 403 NOT_OWNER; the author's own delete works", async () => {
    const author = await signedIn();
    const stranger = await signedIn();
    const paste = (await author.client.request<PasteDto>('POST', '/api/v1/pastes', { json: { content: 'x' } })).body;
    const patch = await stranger.client.request<ErrorDto>('PATCH', `/api/v1/pastes/${paste.id}`, {
      json: { title: 'mine now' },
    });
    expect([patch.status, patch.body.error.code]).toEqual([403, 'NOT_OWNER']);
    const del = await stranger.client.request<ErrorDto>('DELETE', `/api/v1/pastes/${paste.id}`);
    expect([del.status, del.body.error.code]).toEqual([403, 'NOT_OWNER']);
    expect((await author.client.request('DELETE', `/api/v1/pastes/${paste.id}`)).status).toBe(204);
  });

  it('when the author reads their own burn-after-reading paste, then it stays for the reader it is meant for', async () => {
    const { client } = await signedIn();
    const paste = (
      await client.request<PasteDto>('POST', '/api/v1/pastes', { json: { content: 'for you', burnAfterReading: true } })
    ).body;
    expect((await client.request<PasteDto>('GET', `/api/v1/pastes/${paste.id}`)).body.content).toBe('for you');
    const reader = await get(`/api/v1/pastes/${paste.id}`);
    expect(((await reader.json()) as PasteDto).content).toBe('for you');
    expect((await get(`/api/v1/pastes/${paste.id}`)).status).toBe(404);
  });

  it('when an author deletes their account, then their pastes go with it: rows, texts and every link', async () => {
    const { client } = await signedIn();
    const paste = (
      await client.request<PasteDto>('POST', '/api/v1/pastes', { json: { content: 'mine', title: 'Mine' } })
    ).body;
    expect((await get(path(paste.links.raw))).status).toBe(200);
    const deleted = await client.request('DELETE', '/api/v1/account', { json: { password: 'pastes passphrase one' } });
    expect(deleted.status).toBe(204);
    for (const url of everyUrl(paste)) expect([url, (await get(url)).status]).toEqual([url, 404]);
    expect(await objectExists(`pastes/${paste.id}`)).toBe(false);
  });

  it("when /u/<username> is opened, then it lists the author's public pastes only, escaped", async () => {
    const { name, client } = await signedIn();
    await client.request('POST', '/api/v1/pastes', { json: { content: 'x', title: '<b>public</b> one' } });
    await client.request('POST', '/api/v1/pastes', {
      json: { content: 'x', title: 'hidden one', visibility: 'unlisted' },
    });
    const html = await (await get(`/u/${name}`)).text();
    expect(html).toContain('&#60;b&#62;public&#60;/b&#62; one');
    expect(html).not.toContain('hidden one');
    expect((await get('/u/nobody_here_at_all')).status).toBe(404);
  });
});

/** A counter's value from Pictor's /metrics (0 when absent). */
/** A series by name and the labels given; the registry's default labels (`target`) may come with them. */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pictor.handle.metricsPort}/metrics`)).text();
  const [name = '', labelText = ''] = series.replace(/}$/, '').split('{');
  const labels = labelText ? labelText.split(',') : [];
  const line = text.split('\n').find((l) => {
    const [head = ''] = l.split(' ');
    const [lineName, lineLabels = ''] = head.replace(/}$/, '').split('{');
    return lineName === name && labels.every((label) => lineLabels.split(',').includes(label));
  });
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

describe('hot reads', () => {
  it('when a paste is hot, then reading it queries neither PostgreSQL nor object storage, and the metrics say so', async () => {
    const paste = (await postRaw('hot text')).body;
    expect((await get(path(paste.links.raw))).status).toBe(200);
    const fromCache = await metric('pictor_paste_reads_total{source="cache"}');
    const fromDatabase = await metric('pictor_paste_reads_total{source="database"}');
    expect(Number.isFinite(fromCache) && Number.isFinite(fromDatabase)).toBe(true);
    const pool = pictor.handle.infrastructure.pool;
    const objects = pictor.handle.infrastructure.objects;
    const sql: string[] = [];
    const gets: string[] = [];
    const query = pool.query.bind(pool);
    const getObject = objects.get.bind(objects);
    pool.query = ((text: unknown, ...rest: unknown[]) => {
      sql.push(typeof text === 'string' ? text : JSON.stringify(text));
      return (query as (...args: unknown[]) => unknown)(text, ...rest);
    }) as typeof pool.query;
    objects.get = (key, range) => {
      gets.push(key);
      return getObject(key, range);
    };
    try {
      for (let i = 0; i < 20; i++) {
        const res = await get(i % 2 ? path(paste.links.raw) : path(paste.links.short));
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('hot text');
      }
    } finally {
      pool.query = query;
      objects.get = getObject;
    }
    // The batched flush of view counts (not a read) may fall into the loop.
    expect(sql.filter((s) => /pastes/.test(s) && !/SET views = t\.views/.test(s))).toEqual([]);
    expect(gets.filter((k) => k.startsWith('pastes/'))).toEqual([]);
    expect(await metric('pictor_paste_reads_total{source="cache"}')).toBe(fromCache + 20);
    expect(await metric('pictor_paste_reads_total{source="database"}')).toBe(fromDatabase);
  });
});

describe('views', () => {
  it('when clients read a paste, then each counts once per hour, previews never, and the total shows in the API and on the page', async () => {
    const paste = (await postRaw('count my views')).body;
    const as = (ip: string, agent = CHROME) => ({ 'User-Agent': agent, 'X-Forwarded-For': ip });
    await get(path(paste.links.short), as('198.51.100.1'));
    await get(path(paste.links.raw), as('198.51.100.1'));
    await get(`/api/v1/pastes/${paste.id}`, as('198.51.100.1'));
    await get(path(paste.links.raw), as('198.51.100.2'));
    await get(
      path(paste.links.short),
      as('198.51.100.3', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'),
    );
    await get(path(paste.links.short), as('198.51.100.4'), 'HEAD');
    let views = 0;
    for (let i = 0; i < 40 && views !== 2; i++) {
      await sleep(100);
      const { rows } = await pictor.handle.infrastructure.pool.query<{ views: number }>(
        'SELECT views::int FROM pastes WHERE id = $1',
        [paste.id],
      );
      views = rows[0]!.views;
    }
    expect(views).toBe(2);
    // Cached copies are refreshed within CACHE_TTL_SECONDS; a fresh paste shows it in the API at once.
    await pictor.handle.infrastructure.cache.delete(`paste:${paste.id}`);
    const api = (await (await get(`/api/v1/pastes/${paste.id}`, as('198.51.100.5'))).json()) as { views: number };
    expect(api.views).toBe(2);
  });
});

describe('API description', () => {
  it('when the OpenAPI document is fetched, then every paste operation is in it', async () => {
    const doc = (await (await fetch(`${pictor.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/v1/pastes'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/pastes/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(doc.paths['/api/v1/account/pastes'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/account/most-viewed'] ?? {})).toEqual(['get']);
  });
});
