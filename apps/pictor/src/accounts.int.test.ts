import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { startTestSmtpServer, type TestSmtpServer } from '@pictor/testing';
import { AccountsClient, codeOf, resetCodeIn } from '@pictor/test-harness/accounts-client';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

// Cheap Argon2 settings keep the suite quick; the OWASP defaults are covered by the unit tests.
const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
const ADMIN_TOKEN = 'operator-token-0123456789';

let pictor: TestPictor;
let smtp: TestSmtpServer;
let counter = 0;

/** A fresh, valid person. */
function person() {
  counter++;
  return {
    username: `person${counter}_${Date.now().toString(36)}`,
    email: `person${counter}.${Date.now().toString(36)}@example.org`,
    password: `a long passphrase number ${counter}`,
  };
}

async function signedIn(p = person()) {
  const client = new AccountsClient(pictor.url);
  expect((await client.register(p.username, p.email, p.password)).status).toBe(201);
  expect((await client.login(p.username, p.password)).status).toBe(200);
  return { client, ...p };
}

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    SMTP_URL: smtp.url,
    ADMIN_TOKEN,
    ADMIN_EMAIL: 'boss@example.org',
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
  });
});

afterAll(async () => {
  await pictor?.stop();
  await smtp?.close();
});

describe('register, sign in, token, upload, list and delete', () => {
  it('when a person registers, signs in, makes a token and uploads with it, then the upload is theirs to list and delete', async () => {
    const { client, username } = await signedIn();
    const me = await client.request<{ username: string; role: string }>('GET', '/api/v1/account');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username, role: 'user' });

    const created = await client.createToken('curl', ['images:write', 'images:delete', 'account:read'], '30d');
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^pictor_/);

    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = created.body.token;
    const uploaded = await tool.upload(await png(64, 48));
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.images[0]!.id;

    const mine = await tool.request<{ images: { id: string }[] }>('GET', '/api/v1/account/images');
    expect(mine.body.images.map((i) => i.id)).toEqual([id]);

    const listed = await client.request<{ tokens: { name: string; lastUsedAt: string | null }[] }>(
      'GET',
      '/api/v1/account/tokens',
    );
    expect(listed.body.tokens).toEqual([expect.objectContaining({ name: 'curl', lastUsedAt: expect.any(String) })]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);

    expect((await tool.request('DELETE', `/api/v1/images/${id}`)).status).toBe(204);
    expect((await fetch(`${pictor.url}/api/v1/images/${id}`)).status).toBe(404);
    // A worker still processing it removes what it wrote once it sees the delete.
    let left = (await pictor.objectKeys()).filter((k) => k.includes(id));
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await sleep(100);
      left = (await pictor.objectKeys()).filter((k) => k.includes(id));
    }
    expect(left).toEqual([]);
  });

  it('when a signed-in page uploads, then the image belongs to the account and the owner edits it', async () => {
    const { client } = await signedIn();
    const uploaded = await client.upload(await png(32, 32));
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.images[0]!.id;
    const edited = await client.request<{ title: string; visibility: string; expiresAt: string | null }>(
      'PATCH',
      `/api/v1/images/${id}`,
      { json: { title: '<b>Harbour</b>', visibility: 'unlisted', expiresIn: '1d' } },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ title: '<b>Harbour</b>', visibility: 'unlisted' });
    expect(edited.body.expiresAt).not.toBeNull();
    const publicList = (await (await fetch(`${pictor.url}/api/v1/images`)).json()) as { images: { id: string }[] };
    expect(publicList.images.map((i) => i.id)).not.toContain(id);
    // The view page shows the stored title escaped.
    const page = await (await fetch(`${pictor.url}/v/${id}`)).text();
    expect(page).not.toContain('<b>Harbour</b>');
  });

  it("when a second person's token deletes the first person's image, then it is refused and the image stays", async () => {
    const first = await signedIn();
    const uploaded = await first.client.upload(await png(20, 20));
    const id = uploaded.body.images[0]!.id;
    const second = await signedIn();
    const token = await second.client.createToken('thief', ['images:delete', 'images:write']);
    const thief = new AccountsClient(pictor.url, {});
    thief.bearer = token.body.token;
    const answer = await thief.request('DELETE', `/api/v1/images/${id}`);
    expect(answer.status).toBe(403);
    expect(codeOf(answer)).toBe('NOT_OWNER');
    expect((await thief.request('PATCH', `/api/v1/images/${id}`, { json: { title: 'mine now' } })).status).toBe(403);
    expect((await fetch(`${pictor.url}/api/v1/images/${id}`)).status).toBe(200);
  });

  it('when a blocked account is deleted by an admin, then its withheld objects go too', async () => {
    const { client } = await signedIn();
    const id = (await client.upload(await png(22, 22))).body.images[0]!.id;
    for (let i = 0; i < 100; i++) {
      if (((await (await fetch(`${pictor.url}/api/v1/images/${id}`)).json()) as { status: string }).status === 'ready')
        break;
      await sleep(100);
    }
    const me = await client.request<{ id: string }>('GET', '/api/v1/account');
    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    await operator.request('PATCH', `/api/v1/admin/users/${me.body.id}`, { json: { status: 'blocked' } });
    expect((await pictor.objectKeys()).some((k) => k.startsWith(`withheld/${id}`))).toBe(true);
    expect((await operator.request('DELETE', `/api/v1/admin/users/${me.body.id}`)).status).toBe(204);
    expect((await pictor.objectKeys()).filter((k) => k.includes(id))).toEqual([]);
  });

  it('when the account is deleted, then its uploads are deleted with it, objects included', async () => {
    const { client, password } = await signedIn();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await client.upload(await png(24 + i, 24))).body.images[0]!.id);
    const answer = await client.request('DELETE', '/api/v1/account', { json: { password } });
    expect(answer.status).toBe(204);
    for (const id of ids) expect((await fetch(`${pictor.url}/api/v1/images/${id}`)).status).toBe(404);
    const keys = await pictor.objectKeys();
    expect(keys.filter((k) => ids.some((id) => k.includes(id)))).toEqual([]);
    expect((await client.request('GET', '/api/v1/account')).status).toBe(401);
  });

  it('when a token is asked for the ShareX config, then it downloads one that uploads with that token', async () => {
    const { client } = await signedIn();
    const token = await client.createToken('sharex', ['images:write']);
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = token.body.token;
    const answer = await tool.request<{ RequestURL: string; Headers: { Authorization: string } }>(
      'GET',
      '/api/v1/account/sharex.sxcu',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toMatch(/attachment; filename="pictor-.*\.sxcu"/);
    expect(answer.body.RequestURL).toBe(`${pictor.config.http.publicUrl}/api/v1/images`);
    expect(answer.body.Headers.Authorization).toBe(`Bearer ${token.body.token}`);
  });

  it('when the account page asks for a ShareX config, then a new ShareX token is made and embedded', async () => {
    const { client } = await signedIn();
    const answer = await client.request<{ Headers: { Authorization: string } }>('POST', '/api/v1/account/sharex.sxcu');
    expect(answer.status).toBe(200);
    const bearer = answer.body.Headers.Authorization.replace('Bearer ', '');
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = bearer;
    expect((await tool.upload(await png(16, 16))).status).toBe(201);
  });
});

describe('API document', () => {
  it('when the OpenAPI document is read, then every accounts route is in it with the cookie and bearer schemes', async () => {
    const doc = (await (await fetch(`${pictor.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
      components: { securitySchemes: Record<string, { type: string; in?: string; scheme?: string }> };
    };
    for (const [path, method] of [
      ['/api/v1/auth/register', 'post'],
      ['/api/v1/auth/login', 'post'],
      ['/api/v1/auth/logout', 'post'],
      ['/api/v1/auth/password-reset', 'post'],
      ['/api/v1/auth/password-reset/confirm', 'post'],
      ['/api/v1/account', 'get'],
      ['/api/v1/account/tokens', 'post'],
      ['/api/v1/account/tokens/{id}', 'delete'],
      ['/api/v1/account/images', 'get'],
      ['/api/v1/admin/users', 'get'],
      ['/api/v1/admin/users/{id}', 'patch'],
      ['/api/v1/images/{id}', 'patch'],
    ] as const) {
      expect(doc.paths[path]?.[method]).toBeDefined();
    }
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie' });
    expect(doc.components.securitySchemes.personalToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/v1/account']?.get?.security).toEqual([{ session: [] }, { personalToken: [] }]);
  });
});

describe('password reset by email', () => {
  it('when a reset is asked for, then the emailed code sets a new password, signs out everywhere and a notice follows', async () => {
    const { client, username, email, password } = await signedIn();
    const token = await client.createToken('old', ['account:read']);
    const anonymous = new AccountsClient(pictor.url);
    const asked = await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: email } });
    expect(asked.status).toBe(202);
    const mail = await smtp.waitFor(
      (m) => m.subject?.includes('reset code') === true && m.text?.includes(username) === true,
    );
    expect(mail.html).toContain(resetCodeIn(mail.text ?? ''));
    const code = resetCodeIn(mail.text ?? '');

    const confirmed = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: username, code: code.toLowerCase(), password: 'a brand new passphrase' },
    });
    expect(confirmed.status).toBe(204);
    // No automatic sign-in; the old session and the token are dead; the old password too.
    expect(anonymous.cookies.size).toBe(0);
    expect((await client.request('GET', '/api/v1/account')).status).toBe(401);
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = token.body.token;
    expect((await tool.request('GET', '/api/v1/account')).status).toBe(401);
    expect((await new AccountsClient(pictor.url).login(username, password)).status).toBe(401);
    expect((await new AccountsClient(pictor.url).login(email, 'a brand new passphrase')).status).toBe(200);
    await smtp.waitFor((m) => m.subject === 'Your Pictor password was changed' && m.text?.includes(username) === true);
    // The code is single use.
    const again = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: username, code, password: 'yet another passphrase' },
    });
    expect(codeOf(again)).toBe('RESET_CODE_INVALID');
  });

  it('when a second code is asked for, then the first one no longer works', async () => {
    const { username, email } = await signedIn();
    const anonymous = new AccountsClient(pictor.url);
    await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: username } });
    const first = resetCodeIn((await smtp.waitFor((m) => m.text?.includes(username) === true)).text ?? '');
    const seen = smtp.messages.length;
    await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: email } });
    const second = resetCodeIn(
      (await smtp.waitFor((m) => smtp.messages.indexOf(m) >= seen && m.text?.includes(username) === true)).text ?? '',
    );
    expect(second).not.toBe(first);
    const stale = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: username, code: first, password: 'another long passphrase' },
    });
    expect(codeOf(stale)).toBe('RESET_CODE_INVALID');
    const fresh = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: username, code: second, password: 'another long passphrase' },
    });
    expect(fresh.status).toBe(204);
  });

  it('when a code is guessed wrong 5 times, then even the right code is dead', async () => {
    const { username } = await signedIn();
    const anonymous = new AccountsClient(pictor.url);
    await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: username } });
    const code = resetCodeIn((await smtp.waitFor((m) => m.text?.includes(username) === true)).text ?? '');
    const wrong = code.startsWith('3') ? `4${code.slice(1)}` : `3${code.slice(1)}`;
    for (let i = 0; i < 5; i++) {
      const answer = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
        json: { login: username, code: wrong, password: 'a guessing passphrase' },
      });
      expect(codeOf(answer)).toBe('RESET_CODE_INVALID');
    }
    const right = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: username, code, password: 'a guessing passphrase' },
    });
    expect(right.status).toBe(400);
    expect(codeOf(right)).toBe('RESET_CODE_INVALID');
  });
});

describe('enumeration', () => {
  it('when an unknown login and a wrong password sign in, then the answers are identical and take similar time', async () => {
    const { username } = await signedIn();
    const probe = async (login: string) => {
      const started = process.hrtime.bigint();
      const answer = await new AccountsClient(pictor.url).login(login, 'not the right passphrase');
      return { answer, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    await probe('warm-up-nobody');
    const known = [];
    const unknown = [];
    for (let i = 0; i < 5; i++) {
      known.push(await probe(username));
      unknown.push(await probe(`nobody-${i}-${Date.now()}`));
    }
    for (const { answer } of [...known, ...unknown]) {
      expect(answer.status).toBe(401);
      expect((answer.body as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'INVALID_CREDENTIALS',
        message: 'The login or the password is wrong.',
      });
    }
    const median = (xs: { ms: number }[]) => xs.map((x) => x.ms).sort((a, b) => a - b)[2]!;
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('when a reset is asked for an unknown and a known account, then the answers are the same', async () => {
    const { email } = await signedIn();
    const anonymous = new AccountsClient(pictor.url);
    const known = await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: email } });
    const unknown = await anonymous.request('POST', '/api/v1/auth/password-reset', {
      json: { login: 'nobody-at-all@example.org' },
    });
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    const confirmUnknown = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: 'nobody-at-all@example.org', code: 'AAAAAAAAAA', password: 'a long enough passphrase' },
    });
    const confirmKnown = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: email, code: 'AAAAAAAAAA', password: 'a long enough passphrase' },
    });
    expect(confirmUnknown.body).toMatchObject({ error: { code: 'RESET_CODE_INVALID' } });
    expect(confirmKnown.body).toMatchObject({ error: { code: 'RESET_CODE_INVALID' } });
  });
});

describe('brute force', () => {
  let limited: TestPictor;
  beforeAll(async () => {
    limited = await startTestPictor({ ...FAST_ARGON2, RATE_LIMIT_LOGIN: '3', RATE_LIMIT_RESET: '2' });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('when one account is tried too often, then sign-in answers 429 RATE_LIMITED with Retry-After, even for the right password', async () => {
    const attacker = new AccountsClient(limited.url);
    await attacker.register('target', 'target@example.org', 'the right passphrase');
    for (let i = 0; i < 3; i++) expect((await attacker.login('target', `wrong guess ${i}`)).status).toBe(401);
    const refused = await attacker.login('Target', 'the right passphrase');
    expect(refused.status).toBe(429);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('when one client tries many accounts, then it is limited too', async () => {
    const attacker = new AccountsClient(limited.url);
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push((await attacker.login(`someone${i}`, 'a guessed passphrase')).status);
    expect(statuses).toContain(429);
    expect(statuses.slice(0, statuses.indexOf(429)).every((s) => s === 401)).toBe(true);
  });

  it('when resets are asked for too often, then 429 RATE_LIMITED', async () => {
    const client = new AccountsClient(limited.url);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await client.request('POST', '/api/v1/auth/password-reset', { json: { login: 'target' } })).status,
      );
    }
    expect(statuses).toEqual([202, 202, 429]);
  });
});

describe('sessions, CSRF and tokens', () => {
  it('when someone signs in carrying a planted session cookie, then they get a new session and the planted one is dead', async () => {
    const victim = await signedIn();
    const planted = [...victim.client.cookies.values()][0]!;
    const again = await victim.client.login(victim.username, victim.password);
    expect(again.status).toBe(200);
    const fresh = [...victim.client.cookies.values()][0]!;
    expect(fresh).not.toBe(planted);
    const stale = new AccountsClient(pictor.url);
    stale.cookies.set('pictor_session', planted);
    expect((await stale.request('GET', '/api/v1/account')).status).toBe(401);
  });

  it('when the session cookie is set, then it is HttpOnly, SameSite=Lax and not readable as a long-lived secret elsewhere', async () => {
    const p = person();
    const client = new AccountsClient(pictor.url);
    await client.register(p.username, p.email, p.password);
    const res = await fetch(`${pictor.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: p.username, password: p.password }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^pictor_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // PUBLIC_URL is http here
  });

  it('when another site posts with the victim cookie, then deleting an image and changing the password fail', async () => {
    const victim = await signedIn();
    const id = (await victim.client.upload(await png(18, 18))).body.images[0]!.id;
    const evil = new AccountsClient(pictor.url, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' });
    for (const [k, v] of victim.client.cookies) evil.cookies.set(k, v);
    evil.csrfToken = victim.client.csrfToken;
    const deleted = await evil.request('DELETE', `/api/v1/images/${id}`);
    expect(deleted.status).toBe(403);
    expect(codeOf(deleted)).toBe('CSRF_REJECTED');
    const changed = await evil.request('POST', '/api/v1/account/password', {
      body: new URLSearchParams({ currentPassword: victim.password, newPassword: 'attacker passphrase 1' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(codeOf(changed)).toBe('CSRF_REJECTED');
    // Even from an old browser that sends no Origin, a form without the CSRF token fails.
    const formOnly = new AccountsClient(pictor.url, {});
    for (const [k, v] of victim.client.cookies) formOnly.cookies.set(k, v);
    expect(codeOf(await formOnly.request('DELETE', `/api/v1/images/${id}`))).toBe('CSRF_REJECTED');
    expect((await fetch(`${pictor.url}/api/v1/images/${id}`)).status).toBe(200);
    expect((await new AccountsClient(pictor.url).login(victim.username, victim.password)).status).toBe(200);
  });

  it('when the email is changed from the page, then sign-in takes the new one and the old address is told; another site cannot do it', async () => {
    const { client, username, email, password } = await signedIn();
    const evil = new AccountsClient(pictor.url, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' });
    for (const [k, v] of client.cookies) evil.cookies.set(k, v);
    const forged = await evil.request('POST', '/api/v1/account/email', {
      body: new URLSearchParams({ password, email: 'attacker@evil.example' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(codeOf(forged)).toBe('CSRF_REJECTED');

    const taken = await signedIn();
    expect(
      codeOf(await client.request('POST', '/api/v1/account/email', { json: { password, email: taken.email } })),
    ).toBe('EMAIL_TAKEN');
    expect(
      codeOf(
        await client.request('POST', '/api/v1/account/email', {
          json: { password: 'not my password', email: 'x@example.org' },
        }),
      ),
    ).toBe('INVALID_CREDENTIALS');
    const newEmail = `moved.${username}@example.org`;
    const changed = await client.request<{ email: string }>('POST', '/api/v1/account/email', {
      json: { password, email: newEmail },
    });
    expect(changed.body.email).toBe(newEmail);
    expect((await client.request<{ email: string }>('GET', '/api/v1/account')).body.email).toBe(newEmail);
    expect((await new AccountsClient(pictor.url).login(newEmail, password)).status).toBe(200);
    expect((await new AccountsClient(pictor.url).login(email, password)).status).toBe(401);
    const notice = await smtp.waitFor(
      (m) => m.subject === 'The email of your Pictor account was changed' && m.text?.includes(username) === true,
    );
    const to = Array.isArray(notice.to) ? notice.to[0] : notice.to;
    expect(to?.value[0]?.address).toBe(email);
  });

  it('when another site posts a sign-in form, then it is refused (login CSRF)', async () => {
    const p = person();
    const evil = new AccountsClient(pictor.url, { Origin: 'https://evil.example' });
    const answer = await evil.register(p.username, p.email, p.password);
    expect(codeOf(answer)).toBe('CSRF_REJECTED');
  });

  it('when a stolen delete token is used as a credential, then it cannot read or change the account', async () => {
    const { client } = await signedIn();
    const uploaded = await client.upload(await png(12, 12));
    const thief = new AccountsClient(pictor.url, {});
    thief.bearer = uploaded.body.images[0]!.deleteToken;
    expect((await thief.request('GET', '/api/v1/account')).status).toBe(401);
    expect(
      (await thief.request('POST', '/api/v1/account/tokens', { json: { name: 'x', scopes: ['images:write'] } })).status,
    ).toBe(401);
    expect(
      (await thief.request('POST', '/api/v1/account/password', { json: { currentPassword: 'x', newPassword: 'y' } }))
        .status,
    ).toBe(401);
  });

  it('when a token lacks a scope, then it gets 403 TOKEN_SCOPE; tokens cannot change the account', async () => {
    const { client } = await signedIn();
    const token = await client.createToken('read only', ['account:read']);
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = token.body.token;
    const upload = await tool.upload(await png(10, 10));
    expect(upload.status).toBe(403);
    expect(codeOf(upload)).toBe('TOKEN_SCOPE');
    const full = await client.createToken('full', ['images:write', 'images:delete', 'account:read', 'pastes:write']);
    tool.bearer = full.body.token;
    const minting = await tool.request('POST', '/api/v1/account/tokens', {
      json: { name: 'more', scopes: ['images:write'] },
    });
    expect(codeOf(minting)).toBe('SESSION_REQUIRED');
  });

  it('when a token is revoked or expired, then it gets 401', async () => {
    const { client } = await signedIn();
    const revoked = await client.createToken('revoked', ['account:read']);
    const expiring = await client.createToken('expiring', ['account:read'], '1s');
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = revoked.body.token;
    expect((await tool.request('GET', '/api/v1/account')).status).toBe(200);
    expect((await client.request('DELETE', `/api/v1/account/tokens/${revoked.body.id}`)).status).toBe(204);
    expect((await tool.request('GET', '/api/v1/account')).status).toBe(401);
    tool.bearer = expiring.body.token;
    await sleep(1100);
    const expired = await tool.request('GET', '/api/v1/account');
    expect(expired.status).toBe(401);
    expect(codeOf(expired)).toBe('AUTHENTICATION_REQUIRED');
  });
});

describe('blocking', () => {
  it('when an admin blocks an account, then its sessions and tokens stop and its images 404 everywhere until unblocked', async () => {
    const owner = await signedIn();
    const token = await owner.client.createToken('t', ['account:read', 'images:write']);
    const uploaded = (await owner.client.upload(await png(40, 30))).body.images[0]!;
    const id = uploaded.id;
    // Wait until processed, so the direct link is served.
    for (let i = 0; i < 100; i++) {
      if (((await (await fetch(`${pictor.url}/api/v1/images/${id}`)).json()) as { status: string }).status === 'ready')
        break;
      await sleep(100);
    }
    const direct = new URL(uploaded.links.direct!).pathname;
    expect((await fetch(`${pictor.url}${direct}`)).status).toBe(200);

    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    const me = await owner.client.request<{ id: string }>('GET', '/api/v1/account');
    const blocked = await operator.request('PATCH', `/api/v1/admin/users/${me.body.id}`, {
      json: { status: 'blocked' },
    });
    expect(blocked.status).toBe(200);

    expect((await owner.client.request('GET', '/api/v1/account')).status).toBe(401);
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = token.body.token;
    expect((await tool.request('GET', '/api/v1/account')).status).toBe(401);
    expect((await fetch(`${pictor.url}/api/v1/images/${id}`)).status).toBe(404);
    expect((await fetch(`${pictor.url}${direct}`)).status).toBe(404);
    expect((await fetch(`${pictor.url}/v/${id}`)).status).toBe(404);
    const list = (await (await fetch(`${pictor.url}/api/v1/images`)).json()) as { images: { id: string }[] };
    expect(list.images.map((i) => i.id)).not.toContain(id);
    const login = await new AccountsClient(pictor.url).login(owner.username, owner.password);
    expect(codeOf(login)).toBe('ACCOUNT_BLOCKED');
    // Storage, which the edge serves from, no longer holds a public object of it; nothing is deleted.
    const keysWhileBlocked = (await pictor.objectKeys()).filter((k) => k.includes(id));
    expect(keysWhileBlocked.filter((k) => k.startsWith('public/'))).toEqual([]);
    expect(keysWhileBlocked).toContain(`withheld/${direct.split('/').pop()!}`);
    expect(keysWhileBlocked).toContain(`originals/${id}`);

    await operator.request('PATCH', `/api/v1/admin/users/${me.body.id}`, { json: { status: 'active' } });
    expect((await fetch(`${pictor.url}/api/v1/images/${id}`)).status).toBe(200);
    expect((await fetch(`${pictor.url}${direct}`)).status).toBe(200);
    const keysAfter = (await pictor.objectKeys()).filter((k) => k.includes(id));
    expect(keysAfter.filter((k) => k.startsWith('withheld/'))).toEqual([]);
    expect(keysAfter.filter((k) => k.startsWith('public/')).sort()).toEqual(
      keysWhileBlocked
        .filter((k) => k.startsWith('withheld/'))
        .map((k) => k.replace(/^withheld\//, 'public/'))
        .sort(),
    );
  });

  it('when an account is blocked while its upload is still being processed, then no public object of it is left', async () => {
    const owner = await signedIn();
    const me = await owner.client.request<{ id: string }>('GET', '/api/v1/account');
    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    const id = (await owner.client.upload(await png(900, 700))).body.images[0]!.id;
    await operator.request('PATCH', `/api/v1/admin/users/${me.body.id}`, { json: { status: 'blocked' } });
    const pool = pictor.handle.infrastructure.pool;
    for (let i = 0; i < 200; i++) {
      const { rows } = await pool.query<{ status: string }>('SELECT status FROM images WHERE id = $1', [id]);
      if (rows[0]?.status === 'ready') break;
      await sleep(50);
    }
    await sleep(200);
    const keys = (await pictor.objectKeys()).filter((k) => k.includes(id));
    expect(keys.filter((k) => k.startsWith('public/'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('withheld/')).length).toBeGreaterThan(1);
  });

  it('when a user who is not an admin asks for the user list, then 403; an admin session gets it', async () => {
    const { client } = await signedIn();
    expect(codeOf(await client.request('GET', '/api/v1/admin/users'))).toBe('FORBIDDEN');
    const boss = new AccountsClient(pictor.url);
    await boss.register('boss', 'Boss@Example.org', 'the boss passphrase');
    await boss.login('boss', 'the boss passphrase');
    const list = await boss.request<{ users: { username: string; role: string }[] }>(
      'GET',
      '/api/v1/admin/users?q=boss',
    );
    expect(list.status).toBe(200);
    expect(list.body.users).toEqual([expect.objectContaining({ username: 'boss', role: 'admin' })]);
    // Demoted by the operator: the (cached) admin session loses the role at once.
    const bossId = (list.body.users[0] as unknown as { id: string }).id;
    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    expect((await operator.request('PATCH', `/api/v1/admin/users/${bossId}`, { json: { role: 'user' } })).status).toBe(
      200,
    );
    expect(codeOf(await boss.request('GET', '/api/v1/admin/users'))).toBe('FORBIDDEN');
    expect((await boss.request('GET', '/api/v1/account')).status).toBe(200);
  });
});

describe('hostile input', () => {
  it.each([
    ['a Cyrillic look-alike', 'аdmin2', 'INVALID_USERNAME'],
    ['a reserved name', 'Admin', 'INVALID_USERNAME'],
    ['1 KB', 'x'.repeat(1024), 'VALIDATION_FAILED'],
    ['SQL', "bob'; DROP TABLE accounts;--", 'INVALID_USERNAME'],
    ['HTML', '<img src=x onerror=alert(1)>', 'INVALID_USERNAME'],
  ])('when the username is %s, then a clear 400 and nothing is stored', async (_case, username, code) => {
    const before = await pictor.handle.infrastructure.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM accounts',
    );
    const answer = await new AccountsClient(pictor.url).register(
      username,
      `h${Date.now()}@example.org`,
      'a good long passphrase',
    );
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe(code);
    const after = await pictor.handle.infrastructure.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM accounts',
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('when a name is taken in another case, then USERNAME_TAKEN', async () => {
    const p = await signedIn();
    const answer = await new AccountsClient(pictor.url).register(
      p.username.toUpperCase(),
      'other@example.org',
      'a good long passphrase',
    );
    expect(codeOf(answer)).toBe('USERNAME_TAKEN');
  });

  it('when the password has 129+ characters, then it is refused at once, before any hashing', async () => {
    const p = person();
    const started = Date.now();
    const answer = await new AccountsClient(pictor.url).register(p.username, p.email, 'x'.repeat(1000));
    expect(codeOf(answer)).toBe('WEAK_PASSWORD');
    expect(Date.now() - started).toBeLessThan(1000);
    const login = await new AccountsClient(pictor.url).login(p.username, 'y'.repeat(1000));
    expect(codeOf(login)).toBe('INVALID_CREDENTIALS');
  });

  it('when the password is a common one, then WEAK_PASSWORD', async () => {
    const p = person();
    const answer = await new AccountsClient(pictor.url).register(p.username, p.email, 'password123');
    expect(codeOf(answer)).toBe('WEAK_PASSWORD');
  });

  it('when fields carry SQL and HTML, then sign-in and reset answer plain 4xx', async () => {
    const client = new AccountsClient(pictor.url);
    for (const hostile of ["' OR 1=1 --", '<script>alert(1)</script>', 'a'.repeat(2000)]) {
      const login = await client.login(hostile, hostile);
      expect([400, 401]).toContain(login.status);
      const reset = await client.request('POST', '/api/v1/auth/password-reset', { json: { login: hostile } });
      expect([202, 400]).toContain(reset.status);
    }
  });
});

describe('without SMTP', () => {
  let local: TestPictor;
  beforeAll(async () => {
    local = await startTestPictor({ ...FAST_ARGON2, ANONYMOUS_UPLOADS: 'false', REGISTRATION: 'open' });
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('when a reset is asked for, then the code is in an .eml file under DATA_DIR/mail and works', async () => {
    const client = new AccountsClient(local.url);
    await client.register('emlreader', 'eml@example.org', 'the first passphrase');
    await client.request('POST', '/api/v1/auth/password-reset', { json: { login: 'eml@example.org' } });
    const dir = path.join(local.dataDir, 'mail');
    let files: string[] = [];
    for (let i = 0; i < 50 && files.length === 0; i++) {
      files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.eml'));
      if (files.length === 0) await sleep(100);
    }
    const mail = await simpleParser(await readFile(path.join(dir, files[0]!)));
    const code = resetCodeIn(mail.text ?? '');
    const confirmed = await client.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: 'emlreader', code, password: 'the second passphrase' },
    });
    expect(confirmed.status).toBe(204);
    expect((await client.login('emlreader', 'the second passphrase')).status).toBe(200);
  });

  it('when anonymous uploads are off, then an anonymous upload gets 401 and a signed-in one works', async () => {
    const anonymous = new AccountsClient(local.url);
    const refused = await anonymous.upload(await png(8, 8));
    expect(refused.status).toBe(401);
    expect(codeOf(refused)).toBe('AUTHENTICATION_REQUIRED');
    const client = new AccountsClient(local.url);
    await client.register('uploader', 'up@example.org', 'the uploader passphrase');
    await client.login('uploader', 'the uploader passphrase');
    expect((await client.upload(await png(8, 8))).status).toBe(201);
  });
});

describe('registration with email verification', () => {
  let verifying: TestPictor;
  beforeAll(async () => {
    verifying = await startTestPictor({
      ...FAST_ARGON2,
      REGISTRATION: 'verify-email',
      SMTP_URL: smtp.url,
      RATE_LIMIT_RESET: '100',
    });
  });
  afterAll(async () => {
    await verifying?.stop();
  });

  const verificationCode = async (username: string) => {
    const mail = await smtp.waitFor(
      (m) => m.subject?.startsWith('Confirm your Pictor account') === true && m.text?.includes(username) === true,
    );
    return /Your code: ([34679ACDEFGHJKMNPQRTUVWXY]{10})/.exec(mail.text ?? '')![1]!;
  };

  it('when a person registers, then the account waits for the emailed code, and signs in once it is entered', async () => {
    const client = new AccountsClient(verifying.url);
    const registered = await client.register('verified', 'verified@example.org', 'a verified passphrase');
    expect(registered.status).toBe(202);
    expect(codeOf(await client.login('verified', 'a verified passphrase'))).toBe('ACCOUNT_PENDING');
    expect(codeOf(await client.login('verified', 'a wrong passphrase!'))).toBe('INVALID_CREDENTIALS');
    const code = await verificationCode('verified');
    // A reset code cannot be asked for, nor does the verification code work as one.
    const asReset = await client.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: 'verified', code, password: 'another passphrase' },
    });
    expect(codeOf(asReset)).toBe('RESET_CODE_INVALID');
    const confirmed = await client.request('POST', '/api/v1/auth/verify-email', { json: { login: 'verified', code } });
    expect(confirmed.status).toBe(204);
    expect((await client.login('verified@example.org', 'a verified passphrase')).status).toBe(200);
    const again = await client.request('POST', '/api/v1/auth/verify-email', { json: { login: 'verified', code } });
    expect(codeOf(again)).toBe('VERIFICATION_CODE_INVALID');
  });

  it('when an email that has an account registers again, then the answer is the same and the owner is told', async () => {
    const client = new AccountsClient(verifying.url);
    const first = await client.register('owner1', 'owned@example.org', 'the owner passphrase');
    const second = await client.register('intruder', 'owned@example.org', 'the intruder passphrase');
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    await smtp.waitFor(
      (m) => m.subject === 'Someone tried to sign up to Pictor with your email' && m.text?.includes('owner1') === true,
    );
    expect(codeOf(await client.login('intruder', 'the intruder passphrase'))).toBe('INVALID_CREDENTIALS');
  });

  it('when the code is guessed wrong 5 times, then it is dead; a resent code works', async () => {
    const client = new AccountsClient(verifying.url);
    await client.register('guessed', 'guessed@example.org', 'a guessed passphrase');
    const code = await verificationCode('guessed');
    const wrong = code.startsWith('3') ? `4${code.slice(1)}` : `3${code.slice(1)}`;
    for (let i = 0; i < 5; i++) {
      const answer = await client.request('POST', '/api/v1/auth/verify-email', {
        json: { login: 'guessed', code: wrong },
      });
      expect(codeOf(answer)).toBe('VERIFICATION_CODE_INVALID');
    }
    expect(
      codeOf(await client.request('POST', '/api/v1/auth/verify-email', { json: { login: 'guessed', code } })),
    ).toBe('VERIFICATION_CODE_INVALID');
    const seen = smtp.messages.length;
    expect(
      (await client.request('POST', '/api/v1/auth/verify-email/resend', { json: { login: 'guessed' } })).status,
    ).toBe(202);
    const mail = await smtp.waitFor(
      (m) => smtp.messages.indexOf(m) >= seen && m.subject?.startsWith('Confirm your Pictor account') === true,
    );
    const fresh = /Your code: ([34679ACDEFGHJKMNPQRTUVWXY]{10})/.exec(mail.text ?? '')![1]!;
    expect(
      (await client.request('POST', '/api/v1/auth/verify-email', { json: { login: 'guessed', code: fresh } })).status,
    ).toBe(204);
  });
});

describe('registration by invite', () => {
  it('when REGISTRATION=invite, then only a fresh invite from an admin registers, once', async () => {
    const invite = await startTestPictor({ ...FAST_ARGON2, REGISTRATION: 'invite', ADMIN_TOKEN });
    try {
      const stranger = new AccountsClient(invite.url);
      expect(codeOf(await stranger.register('stranger', 'stranger@example.org', 'a stranger passphrase'))).toBe(
        'INVITE_INVALID',
      );
      const operator = new AccountsClient(invite.url, {});
      operator.bearer = ADMIN_TOKEN;
      const made = await operator.request<{ code: string }>('POST', '/api/v1/admin/invites', {
        json: { expiresIn: '1d' },
      });
      expect(made.status).toBe(201);
      const withInvite = (username: string) =>
        stranger.request('POST', '/api/v1/auth/register', {
          json: {
            username,
            email: `${username}@example.org`,
            password: 'an invited passphrase',
            invite: made.body.code,
          },
        });
      expect((await withInvite('invited')).status).toBe(201);
      expect(codeOf(await withInvite('second'))).toBe('INVITE_INVALID');
      const { rows } = await invite.handle.infrastructure.pool.query<{ username: string }>(
        'SELECT username FROM accounts',
      );
      expect(rows.map((r) => r.username)).toEqual(['invited']);
    } finally {
      await invite.stop();
    }
  });
});

describe('closed registration', () => {
  it('when registration is closed, then registering answers 403 REGISTRATION_CLOSED', async () => {
    const closed = await startTestPictor({ ...FAST_ARGON2, REGISTRATION: 'closed' });
    try {
      const answer = await new AccountsClient(closed.url).register(
        'someone',
        'someone@example.org',
        'a long passphrase',
      );
      expect(answer.status).toBe(403);
      expect(codeOf(answer)).toBe('REGISTRATION_CLOSED');
    } finally {
      await closed.stop();
    }
  });
});
