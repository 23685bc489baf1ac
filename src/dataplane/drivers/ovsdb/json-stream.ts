/**
 * Splits the byte stream of an OVSDB connection into JSON messages. RFC 7047 §2 sends JSON-RPC
 * 1.0 messages back to back with no delimiter, so the only way to find where one ends is to follow
 * the nesting of brackets outside strings. Chunks from the socket may cut a message (or a UTF-8
 * character) anywhere, or hold several messages; the parser keeps its scan state between pushes so
 * a large message is scanned once, not once per chunk.
 */
import { StringDecoder } from 'node:string_decoder';
import { QuarkError } from '../../../model/errors.js';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

export class JsonStreamParser {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  /** Index in `buffer` of the next character to scan. */
  private pos = 0;
  /** Index in `buffer` where the message being scanned starts, or -1 between messages. */
  private start = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Index of the next backslash in the text being scanned; -1 when there is none, -2 when not searched yet. */
  private nextBackslash = -2;

  /**
   * Feeds bytes (or already decoded text) and returns the messages completed by them, in order.
   * Throws QuarkError('HostCommandFailed') when the stream is not a sequence of JSON objects; the
   * connection is then unusable and must be closed.
   */
  push(chunk: Buffer | string): unknown[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const messages: unknown[] = [];
    const text = this.buffer;
    this.nextBackslash = -2;
    let consumed = 0;
    for (let i = this.pos; i < text.length; i++) {
      if (this.inString) {
        i = this.skipString(text, i);
        continue;
      }
      const c = text.charCodeAt(i);
      if (this.start < 0) {
        if (isWhitespace(c)) {
          consumed = i + 1;
          continue;
        }
        if (c !== OPEN_BRACE) throw protocolError(`expected '{' between messages, got ${JSON.stringify(text[i])}`, text, i);
        this.start = i;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          messages.push(parse(text.slice(this.start, i + 1)));
          this.start = -1;
          consumed = i + 1;
        }
      }
    }
    const keepFrom = this.start >= 0 ? this.start : consumed;
    this.buffer = text.slice(keepFrom);
    this.pos = text.length - keepFrom;
    if (this.start >= 0) this.start = 0;
    return messages;
  }

  /**
   * Inside a string, jumps to its closing quote with indexOf (strings are most of OVSDB's bytes)
   * and returns that index, or the last index of `text` when the string goes on in the next chunk.
   */
  private skipString(text: string, from: number): number {
    let i = from;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    for (;;) {
      const quote = text.indexOf('"', i);
      // Backslashes are rare: remember the next one rather than searching the rest of `text` again.
      if (this.nextBackslash !== -1 && this.nextBackslash < i) this.nextBackslash = text.indexOf('\\', i);
      const backslash = this.nextBackslash;
      if (backslash >= 0 && (quote < 0 || backslash < quote)) {
        if (backslash + 1 >= text.length) {
          this.escaped = true;
          return text.length - 1;
        }
        i = backslash + 2;
        continue;
      }
      if (quote < 0) return text.length - 1;
      this.inString = false;
      return quote;
    }
  }

  /** Characters received but not yet part of a complete message (for diagnostics and tests). */
  get pending(): number {
    return this.buffer.length;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw protocolError(`invalid JSON message (${(e as Error).message})`, text, 0);
  }
}

function protocolError(reason: string, text: string, at: number): QuarkError {
  return new QuarkError('HostCommandFailed', `ovsdb protocol error: ${reason}`, {
    detail: `near: ${text.slice(Math.max(0, at - 40), at + 40)}`,
  });
}
