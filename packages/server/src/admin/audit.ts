import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditRepo } from '../store/repos/audit.js';
import { bearerToken } from '../protocol/access-tokens.js';
import { recentActor } from './admin-auth.js';

/** Readable action names for the admin API's routes; other admin routes are named by method and path. */
const ACTIONS: Record<string, string> = {
  'POST /api/v1/users/:user/revokeSignInSessions': 'user.revoke_sessions',
  'POST /api/v1/users/:user/invalidateAllRefreshTokens': 'user.invalidate_refresh_tokens',
  'POST /api/v1/users/:user/password': 'user.set_password',
  'POST /api/v1/users/:user/disable': 'user.disable',
  'POST /api/v1/users/:user/enable': 'user.enable',
  'POST /api/v1/users/:user/unlock': 'user.unlock',
  'POST /api/v1/users/:user/resetFactors': 'user.reset_factors',
  'POST /api/v1/invitations': 'user.invite',
  'DELETE /api/v1/users/:user': 'user.delete',
  'PUT /api/v1/users/:user/roles/:role': 'user.grant_role',
  'DELETE /api/v1/users/:user/roles/:role': 'user.revoke_role',
  'DELETE /api/v1/sessions/:sid': 'session.revoke',
  'POST /api/v1/clients/:client/doctor': 'client.doctor',
  'POST /api/v1/clients': 'client.register',
  'PATCH /api/v1/clients/:client': 'client.update',
  'POST /api/v1/clients/:client/secret': 'client.rotate_secret',
  'POST /api/v1/keys/rotate': 'key.rotate',
  'POST /api/v1/deliveries/:id/retry': 'delivery.retry',
  'PUT /api/v1/connections/:id': 'connection.save',
  'DELETE /api/v1/connections/:id': 'connection.remove',
};

/** Actions whose target is named in the JSON body rather than the path (it does not exist before the call). */
const BODY_TARGETS: Record<string, string> = { 'POST /api/v1/clients': 'client_id' };

/**
 * onResponse hook: every admin action (a non-GET request under /api/v1 made with an admin credential) goes to
 * the audit log with who, what, when, from where and how it ended. Requests without an admin credential are
 * not recorded (an anonymous caller must not be able to grow the table); self-service (/api/v1/me) is not an
 * admin action.
 */
export function auditAdminRequests(d: { store: { audit: Pick<AuditRepo, 'append'> }; now: () => number }) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const route = req.routeOptions.url ?? '';
    if (!route.includes('/api/v1/') || route.includes('/api/v1/me')) return;
    const actor = recentActor(bearerToken(req.headers.authorization));
    if (!actor) return;
    const path = route.slice(route.indexOf('/api/v1/'));
    const key = `${req.method} ${path}`;
    const params = (req.params ?? {}) as Record<string, string>;
    const field = BODY_TARGETS[key];
    const body = (req.body ?? {}) as Record<string, unknown>;
    const named = field ? body[field] : undefined;
    const target: [string, string] | undefined =
      Object.entries(params)[0] ??
      (field && typeof named === 'string' ? [field.replace(/_id$/, ''), named] : undefined);
    try {
      await d.store.audit.append({
        at: d.now(),
        actor_type: actor.type,
        actor_id: actor.id,
        actor_name: actor.name,
        client_id: actor.clientId,
        action: ACTIONS[key] ?? key,
        target_type: target?.[0] ?? null,
        target_id: target?.[1]?.slice(0, 200) ?? null,
        status: reply.statusCode,
        ip: req.ip ?? null,
        user_agent: req.headers['user-agent']?.slice(0, 300) ?? null,
        detail: Object.keys(params).length > 1 ? JSON.stringify(params).slice(0, 1000) : null,
      });
    } catch (e) {
      req.log.error({ err: e, action: key }, 'could not write the audit log');
    }
  };
}
