/**
 * Every sentence the provider mails, in one place so a translation is one new object of this shape. Values that
 * vary are functions; they return plain text, which the templates escape for HTML.
 */
export interface MailStrings {
  greeting(name: string | null): string;
  signature: string;
  ignore: string;
  expires(minutes: number): string;
  linkFallback: string;
  verify: { subject: string; body: string; action: string };
  reset: { subject: string; body: string; action: string };
  invite: { subject: string; body(issuerHost: string): string; action: string };
  alreadyRegistered: { subject: string; body: string; action: string };
  test: { subject: string; body(issuer: string): string };
}

export const en: MailStrings = {
  greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
  signature: 'Adieu, your sign-in service',
  ignore: 'If you did not ask for this, you can ignore this message: nothing changes until the link is used.',
  expires: (minutes) =>
    minutes >= 120 && minutes % 60 === 0
      ? `The link works once, for ${minutes / 60} hours.`
      : `The link works once, for ${minutes} minutes.`,
  linkFallback: 'If the button does not work, copy this address into your browser:',
  verify: {
    subject: 'Confirm your email address',
    body: 'Please confirm that this is your email address, so that you can recover your account if you forget your password.',
    action: 'Confirm my email address',
  },
  reset: {
    subject: 'Reset your password',
    body: 'Someone (we hope you) asked to reset the password of your account. Choose a new password with this link. Once it is changed, every device signed in to your account is signed out.',
    action: 'Choose a new password',
  },
  invite: {
    subject: 'You are invited to create your account',
    body: (host) => `An account was created for you at ${host}. Choose your password to start using it.`,
    action: 'Choose my password',
  },
  alreadyRegistered: {
    subject: 'You already have an account',
    body: 'Someone (we hope you) tried to sign up with this email address, but it already has an account. If you forgot your password, you can reset it with this link.',
    action: 'Reset my password',
  },
  test: {
    subject: 'Adieu test message',
    body: (issuer) => `This message shows that ${issuer} can send email. Nothing else to do.`,
  },
};
