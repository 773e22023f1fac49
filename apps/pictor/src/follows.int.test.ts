import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
const ADMIN_TOKEN = 'operator-token-follows-0123456789';

interface FollowAnswer {
  username: string;
  following: boolean;
  notify: boolean;
  since: string | null;
}
interface PageAnswer {
  accounts: { username: string; profile: string; since: string; notify?: boolean }[];
  total: number;
  nextCursor: string | null;
}
interface ErrorAnswer {
  error: { code: string; message: string; requestId: string };
}

let pictor: TestPictor;
let counter = 0;

async function member() {
  counter++;
  const username = `fan${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  const me = await client.request<{ id: string }>('GET', '/api/v1/account');
  return { client, username, id: me.body.id };
}

const follow = (client: AccountsClient, username: string, notify?: boolean) =>
  client.request<FollowAnswer & ErrorAnswer>('PUT', `/api/v1/users/${username}/follow`, {
    json: notify === undefined ? {} : { notify },
  });

const list = async (path: string) => {
  const res = await fetch(`${pictor.url}${path}`);
  return { status: res.status, body: (await res.json()) as PageAnswer & ErrorAnswer };
};

async function followerEvents(recipientId: string): Promise<unknown[]> {
  const { rows } = await pictor.handle.infrastructure.pool.query<{ payload: unknown }>(
    `SELECT payload FROM outbox WHERE topic = 'pictor.notifications' AND key = $1`,
    [recipientId],
  );
  return rows.map((r) => r.payload);
}

beforeAll(async () => {
  pictor = await startTestPictor({ ...FAST_ARGON2, ADMIN_TOKEN, RATE_LIMIT_LOGIN: '1000', RATE_LIMIT_RESET: '1000' });
});

afterAll(async () => {
  await pictor?.stop();
});

describe('following someone', () => {
  it('when someone follows, then both lists show it, the followee is told once, and a second follow only changes notify', async () => {
    const ann = await member();
    const bob = await member();

    const first = await follow(ann.client, bob.username.toUpperCase());
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ username: bob.username, following: true, notify: true });

    const again = await follow(ann.client, bob.username, false);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ following: true, notify: false, since: first.body.since });

    const followers = await list(`/api/v1/users/${bob.username}/followers`);
    expect(followers.status).toBe(200);
    expect(followers.body).toEqual({
      accounts: [
        {
          username: ann.username,
          profile: `${pictor.config.http.publicUrl}/u/${ann.username}`,
          since: first.body.since,
        },
      ],
      total: 1,
      nextCursor: null,
    });
    // Whether a follower is notified is theirs to know, not the public's.
    const publicFollowing = await list(`/api/v1/users/${ann.username}/following`);
    expect(publicFollowing.body.accounts).toEqual([expect.not.objectContaining({ notify: expect.anything() })]);
    const ownFollowing = await ann.client.request<PageAnswer>('GET', `/api/v1/users/${ann.username}/following`);
    expect(ownFollowing.body.accounts).toEqual([expect.objectContaining({ username: bob.username, notify: false })]);

    const events = await followerEvents(bob.id);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'follower.new',
        accountId: bob.id,
        actor: { id: ann.id, username: ann.username },
      }),
    ]);

    const status = await ann.client.request<FollowAnswer>('GET', `/api/v1/users/${bob.username}/follow`);
    expect(status.body).toMatchObject({ following: true, notify: false });
  });

  it('when someone unfollows, then the lists are empty, and unfollowing again still answers 204', async () => {
    const ann = await member();
    const bob = await member();
    expect((await follow(ann.client, bob.username)).status).toBe(201);
    expect((await ann.client.request('DELETE', `/api/v1/users/${bob.username}/follow`)).status).toBe(204);
    expect((await ann.client.request('DELETE', `/api/v1/users/${bob.username}/follow`)).status).toBe(204);
    expect((await list(`/api/v1/users/${bob.username}/followers`)).body).toMatchObject({ accounts: [], total: 0 });
    const status = await ann.client.request<FollowAnswer>('GET', `/api/v1/users/${bob.username}/follow`);
    expect(status.body).toEqual({ username: bob.username, following: false, notify: false, since: null });
  });

  it('when someone follows themselves, then 422 CANNOT_FOLLOW_SELF and nothing is stored', async () => {
    const ann = await member();
    const answer = await follow(ann.client, ann.username);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'CANNOT_FOLLOW_SELF', requestId: expect.any(String) });
    expect((await list(`/api/v1/users/${ann.username}/followers`)).body.total).toBe(0);
  });

  it('when the username is unknown or an email, then 404 USER_NOT_FOUND alike', async () => {
    const ann = await member();
    const bob = await member();
    for (const name of ['nobody_here_at_all', encodeURIComponent(`${bob.username}@example.org`)]) {
      const answer = await follow(ann.client, name);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('USER_NOT_FOUND');
      expect((await list(`/api/v1/users/${name}/followers`)).body.error.code).toBe('USER_NOT_FOUND');
    }
  });

  it('when an account is blocked, then it cannot be followed, is not listed, and answers like an unknown one', async () => {
    const ann = await member();
    const bob = await member();
    const carl = await member();
    expect((await follow(carl.client, bob.username)).status).toBe(201);
    expect((await follow(carl.client, ann.username)).status).toBe(201);

    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    for (const id of [bob.id, carl.id]) {
      expect(
        (await operator.request('PATCH', `/api/v1/admin/users/${id}`, { json: { status: 'blocked' } })).status,
      ).toBe(200);
    }

    const refused = await follow(ann.client, bob.username);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('USER_NOT_FOUND');
    expect((await list(`/api/v1/users/${bob.username}/followers`)).status).toBe(404);
    // The blocked follower is gone from the lists of those it followed.
    expect((await list(`/api/v1/users/${ann.username}/followers`)).body).toMatchObject({ accounts: [], total: 0 });
    // And signed out: it cannot follow anyone.
    expect((await follow(carl.client, ann.username)).status).toBe(401);
  });

  it('when followers span pages, then the cursor walks them all once, newest first', async () => {
    const star = await member();
    const fans = [await member(), await member(), await member()];
    for (const fan of fans) expect((await follow(fan.client, star.username)).status).toBe(201);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const page: { status: number; body: PageAnswer } = await list(
        `/api/v1/users/${star.username}/followers?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(3);
      seen.push(...page.body.accounts.map((a) => a.username));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(fans.map((f) => f.username).reverse());

    const bad = await list(`/api/v1/users/${star.username}/followers?cursor=nope`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('when a method the resource does not have is used, then 405 METHOD_NOT_ALLOWED names the allowed ones', async () => {
    const ann = await member();
    const answer = await ann.client.request<ErrorAnswer & { error: { details: { allowed: string[] } } }>(
      'POST',
      `/api/v1/users/${ann.username}/follow`,
    );
    expect(answer.status).toBe(405);
    expect(answer.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(answer.headers.get('allow')).toContain('PUT');
    expect((await fetch(`${pictor.url}/api/v1/notifications/read`)).status).toBe(405);
  });

  it('when the caller is anonymous, lacks the scope, or posts from another site, then following is refused', async () => {
    const ann = await member();
    const bob = await member();
    const anonymous = new AccountsClient(pictor.url);
    expect((await follow(anonymous, bob.username)).body.error.code).toBe('AUTHENTICATION_REQUIRED');

    const created = await ann.client.createToken('reader', ['account:read']);
    const reader = new AccountsClient(pictor.url, {});
    reader.bearer = created.body.token;
    const scoped = await follow(reader, bob.username);
    expect(scoped.status).toBe(403);
    expect(scoped.body.error.code).toBe('TOKEN_SCOPE');

    const writer = new AccountsClient(pictor.url, {});
    writer.bearer = (await ann.client.createToken('follower', ['follows:write'])).body.token;
    expect((await follow(writer, bob.username)).status).toBe(201);

    const crossSite = new AccountsClient(pictor.url, { 'Sec-Fetch-Site': 'cross-site' });
    for (const [k, v] of ann.client.cookies) crossSite.cookies.set(k, v);
    crossSite.csrfToken = ann.client.csrfToken;
    const forged = await crossSite.request<ErrorAnswer>('DELETE', `/api/v1/users/${bob.username}/follow`);
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('CSRF_REJECTED');
    expect((await list(`/api/v1/users/${bob.username}/followers`)).body.total).toBe(1);

    const notBoolean = await ann.client.request<ErrorAnswer>('PUT', `/api/v1/users/${bob.username}/follow`, {
      json: { notify: 'yes' },
    });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.error.code).toBe('VALIDATION_FAILED');
  });
});
