/**
 * Who and what "Acme Corp" is in the demo, without loading its server: the demo's Adieu config and the tests need
 * these names, and only the Acme process loads node-oidc-provider.
 */

/** Acme's own people. Their passwords exist only at Acme: Adieu never sees them. */
export const ACME_USERS = [
  {
    username: 'dave',
    password: 'dave',
    name: 'Dave Dawson',
    email: 'dave@acme.example',
  },
];

/** The connection id and display name of Acme in the demo's Adieu config. */
export const ACME_CONNECTION = { id: 'acme', name: 'Acme Corp' } as const;
