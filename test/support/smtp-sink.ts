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
  mails: SunkMail[];
  /** Wait for the `n`-th mail to `to` (1-based), parsed. */
  waitFor(to: string, n?: number, timeoutMs?: number): Promise<SunkMail>;
  /** Mails to this address so far. */
  to(address: string): SunkMail[];
  stop(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? '';
          const to = [parsed.to ?? []]
            .flat()
            .flatMap((a) => a.value.map((v) => v.address ?? ''))
            .join(',');
          mails.push({
            to,
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            link: /https?:\/\/\S+\/account\/\S+/.exec(text)?.[0],
            parsed,
          });
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const sink: SmtpSink = {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    to: (address) => mails.filter((m) => m.to.split(',').includes(address)),
    async waitFor(to, n = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = sink.to(to);
        if (found.length >= n) return found[n - 1]!;
        if (Date.now() > deadline) throw new Error(`no mail #${n} to ${to} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}
