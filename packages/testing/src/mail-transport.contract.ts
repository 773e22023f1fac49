import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ParsedMail } from 'mailparser';
import type { EmailMessage, MailTransport } from '@pictor/core';

export interface MailTransportContractFixture {
  transport: MailTransport;
  /** The messages that arrived where this transport delivers (a mail server, a folder), parsed. */
  delivered(): Promise<ParsedMail[]>;
  teardown(): Promise<void>;
}

const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  messageId: `${randomUUID()}@pictures.example.org`,
  to: 'ann@example.org',
  subject: 'Your code: 34679ACDEF — Zürich ☀',
  text: 'Your code: 34679ACDEF',
  html: '<p>Your code: <strong>34679ACDEF</strong> &lt;b&gt;</p>',
  ...overrides,
});

/** The contract both MailTransport adapters pass: SMTP and .eml files. */
export function describeMailTransportContract(name: string, setup: () => Promise<MailTransportContractFixture>): void {
  describe(name, () => {
    let fixture: MailTransportContractFixture;
    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture.transport.close();
      await fixture.teardown();
    });

    it('when a message is sent, then it arrives once with its recipient, subject, text, HTML and Message-ID', async () => {
      const sent = message();
      await fixture.transport.send(sent);
      const delivered = await fixture.delivered();
      expect(delivered).toHaveLength(1);
      const mail = delivered[0]!;
      expect(mail.messageId).toBe(`<${sent.messageId}>`);
      expect(mail.subject).toBe(sent.subject);
      expect(mail.text?.trim()).toBe(sent.text);
      expect(mail.html).toContain('<strong>34679ACDEF</strong> &lt;b&gt;');
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      expect(to?.value[0]?.address).toBe('ann@example.org');
      expect(mail.from?.value[0]?.address).toMatch(/@/);
    });

    it('when several messages are sent, then each arrives', async () => {
      await fixture.transport.send(message({ to: 'a@example.org' }));
      await fixture.transport.send(message({ to: 'b@example.org' }));
      const delivered = await fixture.delivered();
      const recipients = delivered.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address).sort();
      expect(recipients).toEqual(['a@example.org', 'b@example.org']);
    });

    it('when the transport is verified, then it reports the destination reachable', async () => {
      await expect(fixture.transport.verify()).resolves.toBeUndefined();
    });
  });
}
