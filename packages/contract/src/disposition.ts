// The one Content-Disposition rule of a multipart part (README, "Edge policy"); vectors/content-disposition.json
// holds the cases every implementation is tested against.

/** What a part's Content-Disposition says: a form field and its name, another disposition, or malformed. */
export type Disposition =
  | { kind: 'form-data'; name: string | undefined }
  | { kind: 'other' }
  | { kind: 'malformed' };

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const isTokenChar = (ch: string) => TOKEN.test(ch);

/**
 * Parses `type *( OWS ";" OWS name OWS "=" OWS value )` where type and name are tokens and value is a token or a
 * quoted-string (a backslash escapes the next character; bytes 0x80–0xFF are allowed, as browsers send UTF-8
 * file names raw). Names are case-insensitive and may not repeat; a trailing ";" is allowed. Anything else is
 * malformed. The type `form-data` (any case) makes the part a form field named by its `name` parameter.
 */
export function parseContentDisposition(value: string): Disposition {
  let i = 0;
  const n = value.length;
  const ows = () => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  const token = (): string | undefined => {
    const start = i;
    while (i < n && isTokenChar(value[i] as string)) i++;
    return i > start ? value.slice(start, i) : undefined;
  };
  const quoted = (): string | undefined => {
    if (value[i] !== '"') return undefined;
    i++;
    let out = '';
    while (i < n) {
      const ch = value[i] as string;
      const code = ch.charCodeAt(0);
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        if (i + 1 >= n) return undefined;
        out += value[i + 1];
        i += 2;
        continue;
      }
      // qdtext: HTAB, SP, visible ASCII but '"' and '\', obs-text.
      if (code === 0x7f || (code < 0x20 && code !== 0x09)) return undefined;
      out += ch;
      i++;
    }
    return undefined; // no closing quote
  };

  ows();
  const type = token();
  if (type === undefined) return { kind: 'malformed' };
  const params = new Map<string, string>();
  ows();
  while (i < n) {
    if (value[i] !== ';') return { kind: 'malformed' };
    i++;
    ows();
    if (i >= n) break; // a trailing ";"
    const name = token()?.toLowerCase();
    if (name === undefined) return { kind: 'malformed' };
    ows();
    if (value[i] !== '=') return { kind: 'malformed' };
    i++;
    ows();
    const v = value[i] === '"' ? quoted() : token();
    if (v === undefined || params.has(name)) return { kind: 'malformed' };
    params.set(name, v);
    ows();
  }
  if (type.toLowerCase() !== 'form-data') return { kind: 'other' };
  return { kind: 'form-data', name: params.get('name') };
}
