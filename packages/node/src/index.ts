/**
 * @adieu/node: the server-side SDK for Adieu. Login (code + PKCE), server-side sessions indexed by SSO
 * session and user, back-channel logout that kills exactly the right sessions, front-channel logout,
 * RP-initiated logout and push to open pages. Framework adapters: `@adieu/node/express`,
 * `@adieu/node/fastify`.
 */
export { Adieu, createAdieu, type LoadedSession, type RouteName, type RouteRequest } from './adieu.js';
export {
  resolveConfig,
  type AdieuOptions,
  type FetchLike,
  type ResolvedConfig,
  type Routes,
} from './config.js';
export { requestContext, type AdieuRequestContext } from './context.js';
export { ADIEU_ACR_LEVELS, acrSatisfies } from './acr.js';
export { AdieuError, isAdieuError, type AdieuErrorCode, type LogoutTokenErrorCode } from './errors.js';
export { safeReturnTo, type HttpResult } from './http.js';
export {
  BACKCHANNEL_LOGOUT_EVENT,
  verifyLogoutToken,
  type LogoutTokenClaims,
  type LogoutTokenVerifyOptions,
} from './logout-token.js';
export { backchannelLogout, readLogoutToken, type FormBody } from './backchannel.js';
export { frontchannelLogout, FRONTCHANNEL_ACK_TYPE } from './frontchannel.js';
export { type LoginOptions } from './login.js';
export { type LogoutOptions } from './rp-logout.js';
export { pushClientScript, SessionPush } from './push.js';
export { MemorySessionStore } from './memory-store.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-store.js';
export type {
  AppSession,
  CreateResult,
  EndReason,
  SessionStore,
  SessionTokens,
  SessionsEnded,
  Transaction,
  UserClaims,
} from './session-store.js';
