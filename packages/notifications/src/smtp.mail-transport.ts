import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailMessage, MailTransport } from '@pictor/core';

export interface SmtpOptions {
  /** `smtp://` (STARTTLS when offered) or `smtps://` (TLS from the start), credentials in the URL. */
  url: string;
  /** The From header, e.g. `Pictor <no-reply@pictures.example.org>`. */
  from: string;
}

/** MailTransport over SMTP with nodemailer; one pooled connection per process. */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(private readonly options: SmtpOptions) {
    const url = new URL(options.url);
    url.searchParams.set('pool', 'true');
    // Bounded waits: a stuck mail server must not hold deliveries forever.
    url.searchParams.set('connectionTimeout', '10000');
    url.searchParams.set('greetingTimeout', '10000');
    url.searchParams.set('socketTimeout', '30000');
    this.transporter = nodemailer.createTransport(url.toString());
  }

  async send(message: EmailMessage): Promise<void> {
    await this.transporter.sendMail({
      from: this.options.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: `<${message.messageId}>`,
      ...(message.headers ? { headers: message.headers } : {}),
    });
  }

  async verify(): Promise<void> {
    await this.transporter.verify();
  }

  close(): Promise<void> {
    this.transporter.close();
    return Promise.resolve();
  }
}
