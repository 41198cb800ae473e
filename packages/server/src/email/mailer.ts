import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import { randomToken } from '../util/crypto.js';
import type { MailMessage } from './messages.js';

/** Sends one message; rejects when the server refused it. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Where mail goes, for logs and `adieu mail test` (never includes a password). */
  readonly describe: string;
  close(): void;
}

export interface MailConfig {
  smtp?: string | undefined;
  from?: string | undefined;
  folder?: string | undefined;
}

/** nodemailer, loaded on the first message so CLI commands that never mail start fast. */
type Nodemailer = typeof Nodemailer;
let nodemailer: Promise<Nodemailer> | undefined;
const loadNodemailer = () => (nodemailer ??= import('nodemailer'));

/** The SMTP URL with any password masked. */
export function maskSmtpUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * The configured mailer: SMTP through nodemailer when `email.smtp` is set, otherwise the development mailbox,
 * which writes each message as an `.eml` file (open it in any mail client) and logs its link, so a fresh
 * `npm start` works without a mail server.
 */
export function createMailer(config: MailConfig, issuer: string, log: FastifyBaseLogger): Mailer {
  const from = config.from ?? `Adieu <no-reply@${new URL(issuer).hostname}>`;
  if (config.smtp) return new SmtpMailer(config.smtp, from);
  return new FolderMailer(config.folder ?? 'adieu-mail', from, log);
}

class SmtpMailer implements Mailer {
  private transport: Promise<Transporter> | undefined;
  readonly describe: string;

  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {
    this.describe = maskSmtpUrl(url);
  }

  async send(m: MailMessage): Promise<void> {
    // Bounded waits: a stuck mail server must not hold requests or shutdown for minutes.
    this.transport ??= loadNodemailer().then((n) =>
      n.createTransport({
        url: this.url,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      }),
    );
    const t = await this.transport;
    await t.sendMail({ from: this.from, to: m.to, subject: m.subject, text: m.text, html: m.html });
  }

  close(): void {
    void this.transport?.then((t) => t.close());
  }
}

class FolderMailer implements Mailer {
  private transport: Promise<Transporter> | undefined;
  readonly describe: string;

  constructor(
    private readonly folder: string,
    private readonly from: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.describe = `development mailbox ${folder}`;
  }

  async send(m: MailMessage): Promise<void> {
    // nodemailer builds the RFC 5322 message (MIME, encodings); we only store it.
    this.transport ??= loadNodemailer().then((n) =>
      n.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    );
    const info = await (
      await this.transport
    ).sendMail({ from: this.from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(this.folder, `${stamp}-${randomToken(4)}.eml`);
    // The links in these messages open accounts: readable by the owner only.
    await writeFile(file, info.message as Buffer, { mode: 0o600 });
    this.log.info(
      { event: 'mail.written', to: m.to, subject: m.subject, file, link: m.link },
      'mail written',
    );
  }

  close(): void {
    void this.transport?.then((t) => t.close());
  }
}
