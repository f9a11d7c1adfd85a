import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';

/** A fresh access token: 32 random bytes, URL-safe (it travels in `?token=`). */
export function generateDashboardToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What to do with a request, decided before any route runs. */
export type AuthDecision =
  | { kind: 'allow'; via: 'cookie' | 'bearer' | 'client-certificate' }
  /** `?token=` was right: store it in the cookie and load the same URL without it (out of history and logs). */
  | { kind: 'redirect'; location: string; setCookie: string }
  | { kind: 'deny' };

export interface DashboardAuthOptions {
  token: string;
  /** Cookies are not scoped by port: a name per dashboard keeps two on one host from overwriting each other. */
  cookieName: string;
  /** Served over HTTPS: the cookie gets `Secure`. */
  secure: boolean;
  /** Let in requests whose TLS client certificate the server verified against the client CA. */
  clientCertificates: boolean;
}

/**
 * Jupyter-style access: the token comes once in `?token=`, then lives in an HttpOnly, SameSite=Strict cookie;
 * scripts and tools may send `Authorization: Bearer <token>` instead; with a client CA, a verified client
 * certificate is enough. Tokens are compared in constant time (as SHA-256 digests, so lengths do not leak).
 */
export class DashboardAuth {
  readonly #digest: Buffer;
  readonly #options: DashboardAuthOptions;

  constructor(options: DashboardAuthOptions) {
    if (options.token === '') throw new Error('the dashboard token is empty');
    this.#options = options;
    this.#digest = digest(options.token);
  }

  decide(req: IncomingMessage, url: URL): AuthDecision {
    const offered = url.searchParams.getAll('token');
    if (offered.length > 0) {
      if (!offered.every((t) => this.matches(t))) return { kind: 'deny' };
      const rest = new URLSearchParams(url.searchParams);
      rest.delete('token');
      const query = rest.toString();
      return {
        kind: 'redirect',
        location: `${url.pathname}${query ? `?${query}` : ''}`,
        setCookie: this.#cookie(),
      };
    }
    if (
      this.#options.clientCertificates &&
      req.socket instanceof TLSSocket &&
      req.socket.authorized &&
      req.socket.getPeerCertificate() !== null
    ) {
      return { kind: 'allow', via: 'client-certificate' };
    }
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      // A wrong Authorization header is a wrong answer, even with a good cookie beside it.
      return bearer !== undefined && this.matches(bearer)
        ? { kind: 'allow', via: 'bearer' }
        : { kind: 'deny' };
    }
    const cookie = readCookie(req.headers.cookie, this.#options.cookieName);
    if (cookie !== undefined && this.matches(cookie)) return { kind: 'allow', via: 'cookie' };
    return { kind: 'deny' };
  }

  /** Constant-time comparison with the token. */
  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.#digest);
  }

  #cookie(): string {
    const parts = [
      `${this.#options.cookieName}=${encodeURIComponent(this.#options.token)}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
    ];
    if (this.#options.secure) parts.push('Secure');
    return parts.join('; ');
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The value of cookie `name` in a `Cookie` header, URL-decoded; undefined when absent or malformed. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
