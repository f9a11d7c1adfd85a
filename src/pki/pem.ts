/** One `-----BEGIN <label>-----` … `-----END <label>-----` block. */
export interface PemBlock {
  label: string;
  /** RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED` (legacy encrypted OpenSSL keys). */
  headers: Record<string, string>;
  der: Buffer;
}

const blockPattern = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order; text between blocks (comments, `openssl` dumps) is ignored. */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(blockPattern)) {
    const headers: Record<string, string> = {};
    const body: string[] = [];
    for (const raw of match[2]!.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const header = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (header && body.length === 0) headers[header[1]!] = header[2]!;
      else body.push(line);
    }
    blocks.push({ label: match[1]!, headers, der: Buffer.from(body.join(''), 'base64') });
  }
  return blocks;
}

/** PEM with 64-column lines and a trailing newline, as Go's `pem.EncodeToMemory` writes it. */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
