// Varint byte streams for binary sync state, written and read in chunks so that a state is
// never held whole as bytes (see ./state.ts StateEncoder / StateDecoder). No BigInt: whole
// numbers up to 2^53 by arithmetic. A varint is 7 bits per byte, low group first, high bit
// set when more follow; signed values are zigzagged (0, -1, 1, -2... -> 0, 1, 2, 3...).
import { StateError } from './state.js';

const CHUNK = 65536;

/** Writes varints into a fixed buffer, handing each full chunk to `sink` (which may keep it). */
export class ChunkWriter {
  private buf: Uint8Array = new Uint8Array(CHUNK);
  private pos = 0;

  constructor(private readonly sink: (chunk: Uint8Array, final: boolean) => void) {}

  private flush(): void {
    this.sink(this.buf.subarray(0, this.pos), false);
    this.buf = new Uint8Array(CHUNK);
    this.pos = 0;
  }

  byte(x: number): void {
    if (this.pos === CHUNK) this.flush();
    this.buf[this.pos++] = x;
  }

  /** A whole number 0 .. 2^53. */
  uint(x: number): void {
    if (this.pos > CHUNK - 10) this.flush();
    const b = this.buf;
    let p = this.pos;
    while (x > 0x7fffffff) {
      const low = x % 128;
      b[p++] = low | 128;
      x = (x - low) / 128;
    }
    while (x > 127) {
      b[p++] = (x & 127) | 128;
      x >>>= 7;
    }
    b[p++] = x;
    this.pos = p;
  }

  /** A whole number -2^52 .. 2^52. */
  int(x: number): void {
    this.uint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  end(): void {
    this.sink(this.buf.subarray(0, this.pos), true);
  }
}

/** Reads varints from chunks pulled from `source` (null: no more). */
export class StreamReader {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Bytes of earlier chunks (for error positions). */
  private before = 0;
  private done = false;

  constructor(private readonly source: () => Uint8Array | null, private readonly what: string) {}

  fail(msg: string): never {
    throw new StateError(`${this.what}: ${msg}`);
  }

  /** Makes at least k bytes available unless the stream ends first. */
  private fill(k: number): void {
    while (this.buf.length - this.pos < k && !this.done) {
      const c = this.source();
      if (c === null) {
        this.done = true;
        break;
      }
      if (c.length === 0) continue;
      const rest = this.buf.length - this.pos;
      if (rest === 0) {
        this.before += this.pos;
        this.buf = c;
      } else {
        const b = new Uint8Array(rest + c.length);
        b.set(this.buf.subarray(this.pos));
        b.set(c, rest);
        this.before += this.pos;
        this.buf = b;
      }
      this.pos = 0;
    }
  }

  /** Position in the whole stream. */
  get offset(): number { return this.before + this.pos; }

  /** True when every byte has been read. */
  atEnd(): boolean {
    this.fill(1);
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) {
      this.fill(1);
      if (this.pos >= this.buf.length) this.fail(`corrupt (truncated at byte ${this.offset})`);
    }
    return this.buf[this.pos++]!;
  }

  uint(): number {
    if (this.buf.length - this.pos < 10) this.fill(10);
    const b = this.buf, n = b.length;
    let p = this.pos;
    if (p >= n) this.fail(`corrupt (truncated at byte ${this.offset})`);
    let c = b[p++]!;
    if (c < 128) {
      this.pos = p;
      return c;
    }
    let x = c & 127, mul = 128;
    for (;;) {
      if (p >= n) this.fail(`corrupt (truncated at byte ${this.before + p})`);
      c = b[p++]!;
      x += (c & 127) * mul;
      if (c < 128) break;
      mul *= 128;
      if (mul > 2 ** 49) this.fail(`corrupt (number too large at byte ${this.offset})`);
    }
    if (x > Number.MAX_SAFE_INTEGER) this.fail(`corrupt (number too large at byte ${this.offset})`);
    this.pos = p;
    return x;
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** A count, at most `max` (a corrupt count must not allocate much). */
  count(what: string, max: number): number {
    const at = this.offset, k = this.uint();
    if (k > max) this.fail(`corrupt (${what}: ${k} at byte ${at}, more than ${max})`);
    return k;
  }
}
