import { z } from 'zod';

/** A problem with one field of a form, shown beside the form (never an error page). */
export class FormError extends Error {
  override name = 'FormError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The thing to create exists already (an address or username that is taken): a conflict, not a typo. */
export class AlreadyExists extends FormError {
  override name = 'AlreadyExists';
}

export interface FieldSpec {
  label: string;
  max: number;
}

/**
 * Read string fields of a submitted form. Repeated fields, NUL characters and overlong values become a
 * FormError naming the field in plain words; empty values count as absent.
 */
export function readFields<const K extends string>(
  body: unknown,
  spec: Record<K, FieldSpec>,
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  for (const name of Object.keys(spec) as K[]) {
    const { label, max } = spec[name];
    if (!Object.hasOwn(record, name)) continue;
    const value = record[name];
    if (typeof value !== 'string') throw new FormError(name, `${label}: send it once, as text.`);
    if (value.includes('\u0000')) throw new FormError(name, `${label} must not contain a NUL character.`);
    if (value.length > max) throw new FormError(name, `${label} is too long (at most ${max} characters).`);
    if (value !== '') out[name] = value;
  }
  return out;
}

const emailSchema = z.email();

/**
 * A normalised email address (trimmed, lower case). Only ASCII addresses are accepted: mail to internationalised
 * addresses (RFC 6531) is not delivered by every server, and a link that never arrives locks the user out.
 */
export function readEmail(raw: string | undefined, field = 'email'): string {
  const email = (raw ?? '').trim().toLowerCase();
  if (!email) throw new FormError(field, 'Enter your email address.');
  if (email.length > 254) throw new FormError(field, 'This email address is too long.');
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(email)) {
    throw new FormError(
      field,
      'Enter the email address with plain ASCII letters (an international domain in its xn-- form).',
    );
  }
  if (!emailSchema.safeParse(email).success) {
    throw new FormError(field, 'This is not an email address (it looks like name@example.com).');
  }
  return email;
}

/** A display name: trimmed, at most 200 characters, no control characters. */
export function readName(raw: string | undefined, mode: 'required' | 'optional' | 'off'): string | undefined {
  if (mode === 'off') return undefined;
  const name = (raw ?? '').trim().normalize('NFC');
  if (!name) {
    if (mode === 'required') throw new FormError('name', 'Enter your name.');
    return undefined;
  }
  if ([...name].length > 200) throw new FormError('name', 'The name is too long (at most 200 characters).');
  if (/\p{Cc}/u.test(name)) throw new FormError('name', 'The name must not contain control characters.');
  return name;
}
