/**
 * Turns a received body into the text the http.message contract carries:
 * Content-Encoding undone (gzip, deflate, br; RFC 9110 §8.4), then UTF-8
 * text when it is valid UTF-8, base64 otherwise. Decompression is capped so
 * a small compressed body cannot expand past the body bound.
 */
import { isUtf8 } from 'node:buffer';
import * as zlib from 'node:zlib';
import { BodyDecodeError } from './errors';

export interface DecodedBody {
  bytes: Buffer;
  /** The encodings could not all be undone; `bytes` is what was left. */
  error?: BodyDecodeError;
  /** The output reached the cap and was cut. */
  capped: boolean;
  /** The coding that is not supported at all (as opposed to data that does not decode). */
  unsupported?: string;
}

/** Undoes the codings listed in `contentEncoding`, last applied first. `partial` allows a cut stream. */
export function decodeContentEncoding(body: Buffer, contentEncoding: string | undefined, maxOutput: number, partial = false): DecodedBody {
  if (!contentEncoding || body.length === 0) return { bytes: body, capped: false };
  const codings = contentEncoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let bytes = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i];
    if (!SUPPORTED.has(coding)) {
      return { bytes, capped: false, unsupported: coding, error: new BodyDecodeError(coding, { cause: new Error(`unsupported content-encoding ${coding}`) }) };
    }
    try {
      bytes = inflate(bytes, coding, maxOutput, partial);
    } catch (err) {
      if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return { bytes, capped: true, error: new BodyDecodeError(coding, { cause: err }) };
      }
      return { bytes, capped: false, error: new BodyDecodeError(coding, { cause: err }) };
    }
  }
  return { bytes, capped: false };
}

const SUPPORTED = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

function inflate(bytes: Buffer, coding: string, maxOutputLength: number, partial: boolean): Buffer {
  const flush = partial ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {};
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(bytes, { maxOutputLength, ...flush });
    case 'deflate':
      // RFC 9110 says zlib-wrapped; some servers send raw deflate anyway.
      try {
        return zlib.inflateSync(bytes, { maxOutputLength, ...flush });
      } catch {
        return zlib.inflateRawSync(bytes, { maxOutputLength, ...flush });
      }
    case 'br':
      return zlib.brotliDecompressSync(bytes, {
        maxOutputLength,
        ...(partial ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {}),
      });
    default:
      throw new Error(`unsupported content-encoding ${coding}`);
  }
}

/** UTF-8 text when the bytes are valid UTF-8, base64 otherwise. */
export function bodyText(bytes: Buffer): { body: string; encoding: 'utf8' | 'base64' } {
  if (bytes.length === 0) return { body: '', encoding: 'utf8' };
  if (isUtf8(bytes)) return { body: bytes.toString('utf8'), encoding: 'utf8' };
  return { body: bytes.toString('base64'), encoding: 'base64' };
}
