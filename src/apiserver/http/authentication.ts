import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { anonymousUser, authenticatedUser, type UserInfo } from '../auth/user-info.js';

/** Resolves a bearer token to a user (static tokens, service-account JWTs); undefined when unknown. */
export type TokenAuthenticator = (token: string) => UserInfo | undefined;

/**
 * Client certificate first (CN = user, O = groups), then bearer token; otherwise anonymous. A presented
 * but invalid credential is a 401, not a fall-through to anonymous, as kube-apiserver does.
 */
export function authenticate(
  req: IncomingMessage,
  tokens: TokenAuthenticator | undefined,
): { user: UserInfo; authenticated: boolean } | 'invalid' {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized && typeof socket.getPeerCertificate === 'function') {
    const subject = socket.getPeerCertificate()?.subject as unknown as
      Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    if (typeof cn === 'string' && cn) {
      const o = subject?.O;
      const groups = Array.isArray(o) ? o : typeof o === 'string' ? [o] : [];
      return { user: authenticatedUser({ name: cn, groups }), authenticated: true };
    }
  }
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const user = m && tokens ? tokens(m[1]!) : undefined;
    if (!user) return 'invalid';
    return { user: authenticatedUser(user), authenticated: true };
  }
  return { user: anonymousUser(), authenticated: false };
}
