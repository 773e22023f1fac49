import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailMessage, MailTransport } from '@pictor/core';

export interface EmlFileOptions {
  /** `DATA_DIR/mail`. */
  dir: string;
  from: string;
  /** Told where each message went (the log line an operator of one machine reads). */
  onWritten?: (file: string, message: Pick<EmailMessage, 'to' | 'subject' | 'messageId'>) => void;
}

/**
 * MailTransport for one machine without a mail server: every message, exactly as it would go over
 * SMTP, is written as an `.eml` file (any mail program opens it). Written to a temporary name and
 * renamed, so a reader never sees half a message.
 */
export class EmlFileMailTransport implements MailTransport {
  private readonly composer: Transporter;

  constructor(private readonly options: EmlFileOptions) {
    this.composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(message: EmailMessage): Promise<void> {
    const info = (await this.composer.sendMail({
      from: this.options.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: `<${message.messageId}>`,
      ...(message.headers ? { headers: message.headers } : {}),
    })) as { message: Buffer };
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const name = `${stamp}-${message.messageId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}.eml`;
    const file = path.join(this.options.dir, name);
    await writeFile(`${file}.tmp`, info.message, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    this.options.onWritten?.(file, message);
  }

  async verify(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
