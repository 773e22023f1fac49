import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@pictor/config';
import { silentLogger } from '@pictor/observability';
import { createUser, parseAdminArgs, readPassword, UsageError } from './admin-cli.js';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { startTestPictor } from '@pictor/test-harness/harness';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pictor-admin-cli-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('pictor admin create-user', () => {
  it('when the first admin is made from the shell on a fresh install with closed registration, then it signs in and administers', async () => {
    const env = { DATA_DIR: dataDir, REGISTRATION: 'closed', ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
    const config = loadConfig(env, { PICTOR_TARGET: 'migrate' });
    const { args } = parseAdminArgs(['create-user', '--username', 'Root_Admin', '--email=ops@example.org']);
    const password = await readPassword({}, Readable.from(['the operator passphrase\n', 'ignored']));
    const account = await createUser(config, silentLogger(), args, password);
    expect(account).toMatchObject({ username: 'root_admin', role: 'admin', email: 'ops@example.org' });

    // The same data directory, now served: the admin signs in and sees the user list.
    const pictor = await startTestPictor({ ...env, DATA_DIR: dataDir });
    try {
      const client = new AccountsClient(pictor.url);
      expect((await client.register('latecomer', 'late@example.org', 'a late passphrase')).status).toBe(403);
      expect((await client.login('ops@example.org', 'the operator passphrase')).status).toBe(200);
      const users = await client.request<{ users: { username: string; role: string }[] }>('GET', '/api/v1/admin/users');
      expect(users.body.users).toEqual([expect.objectContaining({ username: 'root_admin', role: 'admin' })]);
    } finally {
      await pictor.handle.stop();
    }
  });

  it('when the name is taken or the password weak, then it fails with the API error codes', async () => {
    const config = loadConfig(
      { DATA_DIR: dataDir, ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' },
      { PICTOR_TARGET: 'migrate' },
    );
    await expect(
      createUser(
        config,
        silentLogger(),
        { username: 'root_admin', email: 'other@example.org', role: 'admin' },
        'another operator passphrase',
      ),
    ).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    await expect(
      createUser(
        config,
        silentLogger(),
        { username: 'second', email: 'second@example.org', role: 'user' },
        'password123',
      ),
    ).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
  });

  it.each([
    [['delete-user']],
    [['create-user', '--email=x@example.org']],
    [['create-user', '--username=x', '--email=x@example.org', '--role=root']],
    [['create-user', '--username=x', '--email=x@example.org', '--password=secret']],
  ])('when the arguments are %p, then a usage error', (argv) => {
    expect(() => parseAdminArgs(argv)).toThrow(UsageError);
  });

  it('when PICTOR_PASSWORD is set, then it is the password and standard input is not read', async () => {
    expect(await readPassword({ PICTOR_PASSWORD: 'from the environment' }, Readable.from([]))).toBe(
      'from the environment',
    );
  });
});
