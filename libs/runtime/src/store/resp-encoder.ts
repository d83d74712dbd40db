/**
 * A Redis command written as its RESP bytes by hand, for the one command the
 * RedisStore sends with hundreds of arguments per event-loop turn: the HSET of
 * mcp-parser's pending requests (a field and a ~480-byte value per request).
 *
 * ioredis turns a command into text per argument: `Buffer.byteLength` of each
 * one (a UTF-8 scan), a string join of `$<len>\r\n<arg>\r\n` pieces, then the
 * socket writes that text (a second UTF-8 scan). Here each argument is
 * written once, straight into a growing scratch buffer as UTF-8: its length
 * header is written afterwards into room reserved from the string's length
 * (UTF-8 is at least one byte per UTF-16 unit and at most three), shifted in
 * the rare case the byte count has more digits than the unit count. The bytes
 * are the same ioredis would send (a lone surrogate becomes EF BF BD in both).
 */

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

export class RespEncoder {
  private buf: Buffer;
  private at = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a command of `count` arguments (its name included). */
  begin(count: number): this {
    this.at = 0;
    this.ensure(24);
    this.buf[this.at++] = 0x2a; // '*'
    this.number(count);
    return this;
  }

  /** One argument as a bulk string: `$<bytes>\r\n<UTF-8>\r\n`. */
  bulk(s: string): this {
    const units = s.length;
    const d = digits(units);
    this.ensure(3 * units + d + 8);
    const b = this.buf;
    const start = this.at + d + 3;
    const n = b.write(s, start, b.length - start, 'utf8');
    const shift = digits(n) - d;
    if (shift !== 0) b.copyWithin(start + shift, start, start + n);
    b[this.at++] = 0x24; // '$'
    this.number(n);
    this.at += n;
    b[this.at++] = 0x0d;
    b[this.at++] = 0x0a;
    return this;
  }

  /** The command's bytes, copied out (the scratch buffer is reused by the next command). */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.at);
    this.buf.copy(out, 0, 0, this.at);
    this.at = 0;
    return out;
  }

  /** `<n>\r\n` in ASCII (room ensured by the caller). */
  private number(n: number): void {
    const b = this.buf;
    const d = digits(n);
    let i = this.at + d;
    this.at = i + 2;
    do {
      b[--i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    b[this.at - 2] = 0x0d;
    b[this.at - 1] = 0x0a;
  }

  private ensure(room: number): void {
    if (this.at + room <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + room));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}
