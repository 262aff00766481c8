// multipart/form-data bodies built byte for byte (fetch's FormData cannot send a part header as the test wants it).

export interface Part {
  name: string;
  filename?: string;
  bytes: Uint8Array;
  /** Content-Type of the part; default image/jpeg. */
  type?: string;
  /** The whole Content-Disposition value, to send one exactly as given (malformed ones included). */
  disposition?: string;
}

export const MULTIPART_BOUNDARY = 'rtip-testkit-boundary';

/** The body and its Content-Type for `parts`, in order, with a closing delimiter. */
export function multipartBody(
  parts: readonly Part[],
  boundary = MULTIPART_BOUNDARY,
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition =
      p.disposition ??
      `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${p.type ?? 'image/jpeg'}\r\n\r\n`,
        'utf8',
      ),
      Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A body of exactly `size` bytes (when size allows) whose one part, `image`, is filled with `fill`. */
export function multipartOfSize(size: number, fill = 0xab): { body: Buffer; contentType: string } {
  const empty = multipartBody([{ name: 'image', filename: 'big.jpg', bytes: new Uint8Array() }]);
  return multipartBody([
    {
      name: 'image',
      filename: 'big.jpg',
      bytes: new Uint8Array(Math.max(0, size - empty.body.length)).fill(fill),
    },
  ]);
}
