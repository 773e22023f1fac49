import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { describeMailTransportContract, startTestSmtpServer } from '@pictor/testing';
import { EmlFileMailTransport } from './eml-file.mail-transport.js';
import { SmtpMailTransport } from './smtp.mail-transport.js';

const FROM = 'Pictor <no-reply@pictures.example.org>';

describeMailTransportContract('SmtpMailTransport against a real SMTP server', async () => {
  const smtp = await startTestSmtpServer();
  return {
    transport: new SmtpMailTransport({ url: smtp.url, from: FROM }),
    delivered: () => Promise.resolve([...smtp.messages]),
    teardown: () => smtp.close(),
  };
});

describeMailTransportContract('EmlFileMailTransport into a folder', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-mail-'));
  return {
    transport: new EmlFileMailTransport({ dir, from: FROM }),
    async delivered() {
      const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
      return Promise.all(files.map(async (f) => simpleParser(await readFile(path.join(dir, f)))));
    },
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('SmtpMailTransport', () => {
  it('when the credentials are wrong, then sending fails instead of pretending', async () => {
    const smtp = await startTestSmtpServer();
    const transport = new SmtpMailTransport({ url: smtp.url.replace('mail-secret', 'wrong'), from: FROM });
    try {
      await expect(
        transport.send({ messageId: 'x@y', to: 'a@example.org', subject: 's', text: 't', html: '<p>t</p>' }),
      ).rejects.toThrow(/auth|Invalid/i);
      expect(smtp.messages).toHaveLength(0);
    } finally {
      await transport.close();
      await smtp.close();
    }
  });
});
