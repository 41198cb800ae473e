/**
 * A real SMTP server for tests (smtp-server, from the nodemailer project) that accepts every message on a free
 * port and parses it (mailparser), so tests read what a user's mailbox would show.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface SunkMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The first link into the provider found in the plain text. */
  link: string | undefined;
  parsed: ParsedMail;
}

export interface SmtpSink {
  url: string;
  /** Every mail received so far, parsed. */
  mails(): Promise<SunkMail[]>;
  /** Wait for the `n`-th mail to `to` (1-based), parsed. */
  waitFor(to: string, n?: number, timeoutMs?: number): Promise<SunkMail>;
  /** Mails to this address so far. */
  to(address: string): Promise<SunkMail[]>;
  stop(): Promise<void>;
}

/**
 * Messages are only stored as they arrive and parsed when a test asks: parsing while the test measures response
 * times would slow the test process after exactly the requests that sent mail.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const raw: Buffer[] = [];
  const parsed: SunkMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        raw.push(Buffer.concat(chunks));
        callback();
      });
      stream.on('error', (e) => callback(e));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const mails = async () => {
    while (parsed.length < raw.length) parsed.push(toMail(await simpleParser(raw[parsed.length]!)));
    return parsed;
  };
  const to = async (address: string) => (await mails()).filter((m) => m.to.split(',').includes(address));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    to,
    async waitFor(address, n = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = await to(address);
        if (found.length >= n) return found[n - 1]!;
        if (Date.now() > deadline) throw new Error(`no mail #${n} to ${address} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function toMail(parsed: ParsedMail): SunkMail {
  const text = parsed.text ?? '';
  const to = [parsed.to ?? []]
    .flat()
    .flatMap((a) => a.value.map((v) => v.address ?? ''))
    .join(',');
  return {
    to,
    from: parsed.from?.text ?? '',
    subject: parsed.subject ?? '',
    text,
    html: typeof parsed.html === 'string' ? parsed.html : '',
    link: /https?:\/\/\S+\/account\/\S+/.exec(text)?.[0],
    parsed,
  };
}
