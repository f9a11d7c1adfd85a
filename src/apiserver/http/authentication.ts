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
  const certUser = certificateUser(req.socket as Partial<TLSSocket>);
  if (certUser) return { user: certUser, authenticated: true };
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const user = m && tokens ? tokens(m[1]!) : undefined;
    if (!user) return 'invalid';
    return { user: authenticatedUser(user), authenticated: true };
  }
  return { user: anonymousUser(), authenticated: false };
}

// A connection's client certificate never changes; decoding it on every request was the costliest step of a
// write (getPeerCertificate parses the whole certificate), so the user is kept per socket.
const certificateUsers = new WeakMap<object, UserInfo | null>();

function certificateUser(socket: Partial<TLSSocket>): UserInfo | undefined {
  const cached = certificateUsers.get(socket);
  if (cached !== undefined) return cached ?? undefined;
  let user: UserInfo | null = null;
  if (socket.authorized && typeof socket.getPeerCertificate === 'function') {
    const subject = socket.getPeerCertificate()?.subject as unknown as
      Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    if (typeof cn === 'string' && cn) {
      const o = subject?.O;
      const groups = Array.isArray(o) ? o : typeof o === 'string' ? [o] : [];
      user = authenticatedUser({ name: cn, groups });
    }
  }
  certificateUsers.set(socket, user);
  return user ?? undefined;
}
