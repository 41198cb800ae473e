import { randomToken } from '../util/crypto.js';

/** The commented starter config written by `adieu init` (JSON with comments is accepted by the loader). */
export function starterConfig(issuer: string): string {
  const port = new URL(issuer).port || (issuer.startsWith('https') ? '443' : '80');
  return `{
  // Public URL of the provider. Discovery: <issuer>/.well-known/openid-configuration
  "issuer": "${issuer}",
  "port": ${port},
  // "host": "127.0.0.1",
  // Serve HTTPS directly (PEM files). Required for SameSite=None cookies across sites.
  // "tls": { "cert": "cert.pem", "key": "key.pem" },

  // sqlite:<file> (embedded, the default) or postgres://user@host:5432/db
  "database": "sqlite:./adieu.db",

  // Lifetimes in seconds.
  "ttl": { "id_token": 3600, "access_token": 900, "refresh_token": 1209600, "code": 60 },
  // SSO session: idle timeout, absolute lifetime, and the lifetime of "keep me signed in".
  "session": { "idle": 1800, "absolute": 43200, "remember_me": 2592000 },

  "logout": {
    // Refuse end_session without a valid id_token_hint (Azure B2C's EnforceIdTokenHintOnLogout).
    "require_id_token_hint": false,
    // Seconds the logout page waits for front-channel iframes.
    "frontchannel_timeout": 5,
    // Seconds during which failed back-channel deliveries are retried.
    "backchannel_deadline": 86400
  },

  // Dynamic client registration (RFC 7591) is enabled by setting an initial access token.
  "registration": { "initial_access_token": "${randomToken(24)}" },

  // Secrets can come from the environment: "client_secret": "\${MY_APP_SECRET}"
  "clients": [
    {
      "client_id": "my-app",
      "client_name": "My App",
      "client_secret": "${randomToken(24)}",
      // These are the routes @adieu/node serves by default for baseUrl "http://localhost:3000".
      "redirect_uris": ["http://localhost:3000/callback"],
      "post_logout_redirect_uris": ["http://localhost:3000/logout/callback"],
      "backchannel_logout_uri": "http://localhost:3000/backchannel-logout",
      "grant_types": ["authorization_code", "refresh_token"]
    }
  ],

  // Seed users, created once when missing (later changes are made through the API or the account page).
  // Add more with: npx adieu user add --config adieu.json
  "users": [
    { "username": "alice", "password": "change-me", "email": "alice@example.com", "name": "Alice" }
  ]
}
`;
}
