import { html, type SafeHtml } from '../views/html.js';
import { en, type MailStrings } from './strings.js';

/** One message in both forms mail clients expect: plain text, and HTML whose every value is escaped. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The action link, logged by the development mailbox so a developer can follow it from the console. */
  link?: string | undefined;
}

interface ActionMail {
  to: string;
  name: string | null;
  subject: string;
  paragraphs: string[];
  action?: { label: string; url: string; minutes?: number | undefined } | undefined;
}

/** Plain text and HTML from the same parts, so the two never say different things. */
function compose(strings: MailStrings, m: ActionMail): MailMessage {
  const a = m.action;
  const text = [
    strings.greeting(m.name),
    '',
    ...m.paragraphs.flatMap((p) => [p, '']),
    ...(a ? [`${a.label}: ${a.url}`, '', ...(a.minutes ? [strings.expires(a.minutes), ''] : [])] : []),
    ...(a ? [strings.ignore, ''] : []),
    '-- ',
    strings.signature,
    '',
  ].join('\n');
  const body: SafeHtml = html`<!doctype html>
    <html>
      <body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1f24">
        <p>${strings.greeting(m.name)}</p>
        ${m.paragraphs.map((p) => html`<p>${p}</p>`)}
        ${
          a
            ? html`<p>
                  <a
                    href="${a.url}"
                    style="display: inline-block; padding: 0.6em 1.1em; background: #0b5cad; color: #fff; border-radius: 8px; text-decoration: none; font-weight: 600"
                    >${a.label}</a
                  >
                </p>
                ${a.minutes ? html`<p>${strings.expires(a.minutes)}</p>` : ''}
                <p style="color: #57606a">${strings.linkFallback}<br />${a.url}</p>
                <p style="color: #57606a">${strings.ignore}</p>`
            : ''
        }
        <p style="color: #57606a">${strings.signature}</p>
      </body>
    </html>`;
  return { to: m.to, subject: m.subject, text, html: body.value, link: a?.url };
}

const minutes = (seconds: number) => Math.round(seconds / 60);

/**
 * The messages the provider sends. Each takes what varies and returns both forms; strings come from one
 * `MailStrings` object (English today).
 */
export class MailTemplates {
  constructor(private readonly s: MailStrings = en) {}

  verifyEmail(to: string, name: string | null, url: string, ttlSeconds: number): MailMessage {
    return this.linkMail(this.s.verify, to, name, url, ttlSeconds);
  }

  resetPassword(to: string, name: string | null, url: string, ttlSeconds: number): MailMessage {
    return this.linkMail(this.s.reset, to, name, url, ttlSeconds);
  }

  invite(to: string, name: string | null, url: string, ttlSeconds: number, issuer: string): MailMessage {
    const t = this.s.invite;
    return this.linkMail({ ...t, body: t.body(new URL(issuer).host) }, to, name, url, ttlSeconds);
  }

  /** Sign-up with an address that has an account: tell its owner, never the person at the form. */
  alreadyRegistered(to: string, name: string | null, url: string, ttlSeconds: number): MailMessage {
    return this.linkMail(this.s.alreadyRegistered, to, name, url, ttlSeconds);
  }

  /** The shape every single-link message shares: one paragraph, then the link and how long it lasts. */
  private linkMail(
    t: { subject: string; body: string; action: string },
    to: string,
    name: string | null,
    url: string,
    ttlSeconds: number,
  ): MailMessage {
    return compose(this.s, {
      to,
      name,
      subject: t.subject,
      paragraphs: [t.body],
      action: { label: t.action, url, minutes: minutes(ttlSeconds) },
    });
  }

  test(to: string, issuer: string): MailMessage {
    return compose(this.s, {
      to,
      name: null,
      subject: this.s.test.subject,
      paragraphs: [this.s.test.body(issuer)],
    });
  }
}
