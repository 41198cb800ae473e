import { LOGOUT_REASONS } from '../logout/logout-service.js';
import { adminOpenApi } from './openapi-admin.js';

/**
 * The OpenAPI 3.1 document of the management and session APIs, served at /api/v1/openapi.json.
 *
 * Long on purpose: it is one document, data rather than logic, kept in the order it is served so it reads like
 * the API reference; the admin API's part already lives in openapi-admin.ts.
 */
export function openApiDocument(issuer: string) {
  const error = { $ref: '#/components/schemas/Error' };
  const errors = {
    '400': { description: 'Bad input', content: { 'application/json': { schema: error } } },
    '401': { description: 'No or invalid access token', content: { 'application/json': { schema: error } } },
    '403': {
      description: 'The token lacks the needed scope',
      content: { 'application/json': { schema: error } },
    },
    '404': {
      description: 'No such user, session or logout',
      content: { 'application/json': { schema: error } },
    },
  };
  const userParam = {
    name: 'user',
    in: 'path',
    required: true,
    description: 'The user id or the username',
    schema: { type: 'string' },
  };
  const admin = [{ adminToken: [] }];
  const self = [{ userToken: [] }];
  const noContent = { '204': { description: 'Done' }, ...errors };
  const sessions = {
    '200': {
      description: 'Live SSO sessions, newest first',
      content: {
        'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Session' } } },
      },
    },
    ...errors,
  };
  const jsonBody = (schema: unknown) => ({ content: { 'application/json': { schema } } });
  const userAnswer = (description: string) => ({
    description,
    ...jsonBody({ $ref: '#/components/schemas/User' }),
  });
  const console_ = adminOpenApi(errors);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Adieu management and session API',
      version: '1',
      description:
        'Every operation that ends sessions goes through the single-logout path: each participating app is ' +
        'notified (back-channel logout token with a `reason` claim, push to open pages) and a Logout record is kept.',
    },
    servers: [{ url: `${issuer}/api/v1` }],
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Access token from grant_type=client_credentials with scope=admin (or the configured admin.bearer_secret)',
        },
        userToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An access token issued to the user themself, with the `account` scope the user granted (other ' +
            'tokens get 403 insufficient_scope)',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: { error: { type: 'string' }, error_description: { type: 'string' } },
        },
        User: {
          type: 'object',
          description: 'A user as the admin API shows it (never a password or its hash)',
          properties: {
            id: { type: 'string' },
            username: { type: 'string' },
            email: { type: ['string', 'null'] },
            email_verified: { type: 'boolean' },
            name: { type: ['string', 'null'] },
            disabled: { type: 'boolean' },
            roles: { type: 'array', items: { type: 'string' } },
            created_at: { type: 'string', format: 'date-time' },
            updated_at: { type: 'string', format: 'date-time' },
          },
        },
        Session: {
          type: 'object',
          properties: {
            sid: { type: 'string' },
            created_at: { type: 'string', format: 'date-time' },
            last_active_at: { type: 'string', format: 'date-time' },
            expires_at: { type: 'string', format: 'date-time' },
            remember_me: { type: 'boolean' },
            ip: { type: ['string', 'null'] },
            user_agent: { type: ['string', 'null'] },
            current: { type: 'boolean', description: 'me/sessions only: the session of the calling token' },
            connection: {
              type: ['object', 'null'],
              description:
                'The upstream identity provider the session was signed in through; null: a password',
              properties: { id: { type: 'string' }, name: { type: 'string' } },
            },
            clients: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  client_id: { type: 'string' },
                  client_name: { type: 'string' },
                  first_at: { type: 'string', format: 'date-time' },
                  last_at: { type: 'string', format: 'date-time' },
                },
              },
            },
          },
        },
        Connection: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            type: { enum: ['oidc', 'oauth2'] },
            logout: { enum: ['upstream', 'local'] },
            source: { enum: ['config', 'api'] },
            has_client_secret: { type: 'boolean' },
            urls: { type: 'object', description: 'what to register at the upstream' },
          },
        },
        Logout: {
          type: 'object',
          description: 'One single-logout event with per-participant, per-channel delivery status',
          properties: {
            id: { type: 'string' },
            sid: { type: ['string', 'null'] },
            reason: {
              enum: [...LOGOUT_REASONS],
            },
            initiator: { enum: ['user', 'rp', 'admin', 'system'] },
            complete: { type: 'boolean' },
            participants: { type: 'array', items: { type: 'object' } },
          },
        },
        ...console_.schemas,
      },
    },
    paths: {
      '/connections': {
        get: {
          summary:
            'Upstream identity providers (config-file and API-managed), with the URLs to register at each; never secrets',
          security: admin,
          responses: {
            '200': {
              description: 'Connections',
              content: {
                'application/json': {
                  schema: { type: 'array', items: { $ref: '#/components/schemas/Connection' } },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/connections/{id}': {
        put: {
          summary: 'Add or replace an API-managed connection (config-file ones answer 409)',
          security: admin,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  description:
                    'The connection as in the config file (docs/configuration.md, connections[]); the id comes from the path',
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Saved',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Connection' } } },
            },
            '409': {
              description: 'Defined in the config file',
              content: { 'application/json': { schema: error } },
            },
            ...errors,
          },
        },
        delete: {
          summary:
            'Remove an API-managed connection; sessions signed in through it keep running until they end',
          security: admin,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: noContent,
        },
      },
      '/invitations': {
        post: {
          summary:
            'Invite a person: an account without a usable password, and a mailed set-password link (accounts.invite_ttl)',
          security: admin,
          requestBody: jsonBody({
            type: 'object',
            required: ['email'],
            properties: {
              email: { type: 'string', format: 'email' },
              name: { type: 'string', maxLength: 200 },
              username: { type: 'string', maxLength: 200, description: 'defaults to the email address' },
            },
          }),
          responses: {
            '201': userAnswer('Invited; the link is on its way'),
            ...errors,
            '409': {
              description: 'A user with this email address or username exists',
              ...jsonBody(error),
            },
          },
        },
      },
      '/users/{user}': {
        get: {
          summary: 'One user',
          security: admin,
          parameters: [userParam],
          responses: { '200': userAnswer('The user'), ...errors },
        },
        delete: {
          summary:
            "Delete the user: every session ends (reason account_deleted, every app told), refresh tokens are revoked, then the user's personal data is removed",
          security: admin,
          parameters: [userParam],
          responses: noContent,
        },
      },
      '/users/{user}/revokeSignInSessions': {
        post: {
          summary:
            'End every SSO session of the user (single logout to all apps) and revoke all refresh tokens',
          security: admin,
          parameters: [userParam],
          responses: noContent,
        },
      },
      '/users/{user}/invalidateAllRefreshTokens': {
        post: {
          summary: 'Revoke every refresh token of the user, offline_access included; SSO sessions stay',
          security: admin,
          parameters: [userParam],
          responses: noContent,
        },
      },
      '/users/{user}/sessions': {
        get: {
          summary: "The user's live SSO sessions",
          security: admin,
          parameters: [userParam],
          responses: sessions,
        },
      },
      '/users/{user}/password': {
        post: {
          summary: 'Set a new password; every session of the user ends (reason password_changed)',
          security: admin,
          parameters: [userParam],
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['password'],
                  properties: { password: { type: 'string', minLength: 8 } },
                },
              },
            },
          },
          responses: noContent,
        },
      },
      '/users/{user}/disable': {
        post: {
          summary: 'Disable the user; every session ends (reason disabled)',
          security: admin,
          parameters: [userParam],
          responses: noContent,
        },
      },
      '/users/{user}/enable': {
        post: {
          summary: 'Enable the user again',
          security: admin,
          parameters: [userParam],
          responses: noContent,
        },
      },
      '/users/{user}/unlock': {
        post: {
          summary:
            'Lift a lockout after too many failed passwords and forget the failures (locks also expire on their own)',
          security: admin,
          parameters: [userParam],
          responses: noContent,
        },
      },
      '/users/{user}/resetFactors': {
        post: {
          summary:
            "Remove the user's second factors and recovery codes (docs/mfa.md); every session of the user ends (reason credentials_changed)",
          security: admin,
          parameters: [userParam],
          responses: {
            '200': {
              description: 'What was removed and ended',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      factors_removed: { type: 'integer' },
                      sessions_ended: { type: 'integer' },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '/sessions/{sid}': {
        delete: {
          summary: 'End one SSO session (single logout, reason admin)',
          security: admin,
          parameters: [{ name: 'sid', in: 'path', required: true, schema: { type: 'string' } }],
          responses: noContent,
        },
      },
      '/logouts': {
        get: {
          summary: 'Recent logouts that a client took part in, or of one SSO session, newest first',
          security: admin,
          parameters: [
            { name: 'client_id', in: 'query', schema: { type: 'string' } },
            { name: 'sid', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 } },
          ],
          responses: {
            '200': {
              description: 'Logout records (client_id or sid is required)',
              content: {
                'application/json': {
                  schema: { type: 'array', items: { $ref: '#/components/schemas/Logout' } },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/logouts/{id}': {
        get: {
          summary: 'A logout record with per-participant, per-channel delivery status',
          security: admin,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The record',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Logout' } } },
            },
            ...errors,
          },
        },
      },
      '/me': {
        get: {
          summary:
            "Export of the calling user's own data: profile, roles, grants to apps, linked upstream accounts, live sessions",
          security: self,
          responses: {
            '200': {
              description: 'The user (as in User) with consents, linked_accounts and sessions',
              content: {
                'application/json': {
                  schema: {
                    allOf: [
                      { $ref: '#/components/schemas/User' },
                      {
                        type: 'object',
                        properties: {
                          password_changed_at: { type: 'string', format: 'date-time' },
                          consents: { type: 'array', items: { type: 'object' } },
                          linked_accounts: { type: 'array', items: { type: 'object' } },
                          sessions: { type: 'array', items: { $ref: '#/components/schemas/Session' } },
                        },
                      },
                    ],
                  },
                },
              },
            },
            ...errors,
          },
        },
        patch: {
          summary: "Change the calling user's display name (other fields get 400)",
          security: self,
          requestBody: jsonBody({
            type: 'object',
            additionalProperties: false,
            properties: { name: { type: ['string', 'null'], maxLength: 200 } },
          }),
          responses: { '200': userAnswer('The updated user'), ...errors },
        },
      },
      '/me/revokeSignInSessions': {
        post: {
          summary: 'End every SSO session of the calling user, everywhere',
          security: self,
          responses: noContent,
        },
      },
      '/me/sessions': {
        get: {
          summary: "The calling user's live SSO sessions (`current` marks this token's)",
          security: self,
          responses: sessions,
        },
      },
      '/me/changePassword': {
        post: {
          summary: "Change the calling user's password; other sessions end (reason password_changed)",
          security: self,
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['current_password', 'new_password'],
                  properties: {
                    current_password: { type: 'string' },
                    new_password: { type: 'string', minLength: 8 },
                  },
                },
              },
            },
          },
          responses: {
            ...noContent,
            '429': {
              description:
                'Too many failed password checks for this account or address (shared with the login form); see Retry-After',
              content: { 'application/json': { schema: error } },
            },
          },
        },
      },
      ...console_.paths,
    },
  };
}
