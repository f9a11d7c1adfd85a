/** One entry of an Accept header: `application/json;as=Table;v=v1;g=meta.k8s.io`. */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
      }
      const q = params.q === undefined ? 1 : Number(params.q);
      delete params.q;
      return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 1 };
    })
    .filter((m) => m.type !== '')
    .sort((a, b) => b.q - a.q);
}

/** What a response body may be, in kube-apiserver's terms. */
export type ResponseShape =
  | { kind: 'json' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partialMetadata'; version: 'v1' | 'v1beta1' }
  | { kind: 'discovery'; version: 'v2' | 'v2beta1' };

const acceptsJson = (m: MediaRange): boolean =>
  (m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*') && !m.params.as;

/**
 * Picks the first alternative of the Accept list the server can produce for this kind of request.
 * Never answers "not acceptable" when plain JSON is among the alternatives (kubectl treats 406 as fatal).
 * Returns undefined only when nothing offered is producible.
 */
export function negotiate(
  accept: MediaRange[],
  allowed: { table?: boolean; discovery?: boolean; partialMetadata?: boolean },
): ResponseShape | undefined {
  if (accept.length === 0) return { kind: 'json' };
  for (const m of accept) {
    if (m.type === 'application/json' && m.params.as) {
      const g = m.params.g;
      const v = m.params.v;
      if (allowed.table && m.params.as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1'))
        return { kind: 'table', version: v };
      if (
        allowed.partialMetadata &&
        (m.params.as === 'PartialObjectMetadata' || m.params.as === 'PartialObjectMetadataList') &&
        g === 'meta.k8s.io' &&
        (v === 'v1' || v === 'v1beta1')
      )
        return { kind: 'partialMetadata', version: v };
      if (
        allowed.discovery &&
        m.params.as === 'APIGroupDiscoveryList' &&
        g === 'apidiscovery.k8s.io' &&
        (v === 'v2' || v === 'v2beta1')
      )
        return { kind: 'discovery', version: v };
      continue;
    }
    if (acceptsJson(m)) return { kind: 'json' };
    // Protobuf, YAML and CBOR answers are not produced; clients that offer them also offer JSON.
  }
  return undefined;
}

/** The media type of a request body, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}
