/**
 * Reading HTTP/1.1 messages as their bytes pass by, without taking part: where each request and
 * response starts and ends (`Content-Length`, chunked transfer coding, a body read to the end of
 * the connection), its head's few fields that the bench counts, and how many body bytes it
 * carried. The counting proxy feeds it both directions of each connection it forwards.
 *
 * Notes (invariants):
 * - Responses answer requests in order on a connection (HTTP/1.1, pipelined or not): a response is
 *   paired with the oldest request not yet answered. Interim responses (`100 Continue`) answer none.
 * - Body bytes are counted after the transfer coding is removed, as an HTTP parser hands them on.
 * - Anything else (`101 Switching Protocols`, a head over 64 KiB, a malformed chunk size) throws:
 *   the counts after it could not be trusted.
 *
 * @module
 */

const HEAD_END = Buffer.from("\r\n\r\n");
const MAX_HEAD = 64 * 1024;

export interface ObservedRequest {
  method: string;
  /** The request target as sent (`/bucket/key?query`). */
  target: string;
  range?: string;
  /** Body bytes seen so far. */
  bodyBytes: number;
}

export interface Exchange {
  request: ObservedRequest;
  status: number;
  bodyBytes: number;
}

interface Head {
  startLine: string;
  headers: Map<string, string>;
}

/** Body framing: bytes still to come (a length), chunked, or everything up to the connection's end. */
type Framing =
  | { kind: "length"; remaining: number }
  | { kind: "chunked"; body: ChunkedBody }
  | { kind: "close" };

/** Reads the head of each message and follows its body; what a message is, the subclass says. */
abstract class MessageObserver {
  #head: Buffer[] = [];
  #headBytes = 0;
  #body: Framing | undefined;

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#body === undefined) {
        at = this.#readHead(chunk, at);
        continue;
      }
      const body = this.#body;
      if (body.kind === "length") {
        const n = Math.min(body.remaining, chunk.length - at);
        body.remaining -= n;
        at += n;
        this.onBody(n);
        if (body.remaining === 0) this.#endBody();
      } else if (body.kind === "chunked") {
        const before = body.body.dataBytes;
        at = body.body.feed(chunk, at);
        this.onBody(body.body.dataBytes - before);
        if (body.body.done) this.#endBody();
      } else {
        this.onBody(chunk.length - at);
        at = chunk.length;
      }
    }
  }

  /** The connection's end: ends a body read to the end of the connection. */
  end(): void {
    if (this.#body?.kind === "close") this.#endBody();
  }

  /** How the body of the message with `head` is framed; `undefined` when it has none. */
  protected abstract onHead(head: Head): Framing | undefined;
  protected abstract onBody(bytes: number): void;
  protected abstract onEnd(): void;

  #readHead(chunk: Buffer, at: number): number {
    // The head's end may straddle two chunks: look from three bytes before this chunk.
    const carried = Math.min(3, this.#headBytes);
    const window =
      carried > 0 ? Buffer.concat([this.#tail(carried), chunk.subarray(at)]) : chunk.subarray(at);
    const found = window.indexOf(HEAD_END);
    if (found === -1) {
      this.#head.push(chunk.subarray(at));
      this.#headBytes += chunk.length - at;
      if (this.#headBytes > MAX_HEAD) throw new Error(`an HTTP head of more than ${MAX_HEAD} bytes`);
      return chunk.length;
    }
    const end = at + found - carried + HEAD_END.length;
    const text = Buffer.concat([...this.#head, chunk.subarray(at, end)]).toString("latin1");
    this.#head = [];
    this.#headBytes = 0;
    this.#body = this.onHead(parseHead(text));
    if (this.#body === undefined || (this.#body.kind === "length" && this.#body.remaining === 0)) {
      this.#endBody();
    }
    return end;
  }

  #tail(n: number): Buffer {
    const all = Buffer.concat(this.#head);
    return all.subarray(all.length - n);
  }

  #endBody(): void {
    this.#body = undefined;
    this.onEnd();
  }
}

/** The client's side of a connection: requests, in order. */
export class RequestObserver extends MessageObserver {
  /** Requests sent and not yet answered, oldest first. */
  readonly waiting: ObservedRequest[] = [];
  #current: ObservedRequest | undefined;

  protected onHead(head: Head): Framing | undefined {
    const [method = "", target = ""] = head.startLine.split(" ");
    const range = head.headers.get("range");
    this.#current = { method, target, ...(range ? { range } : {}), bodyBytes: 0 };
    this.waiting.push(this.#current);
    // A request without Content-Length or chunked coding has no body (RFC 9112 §6.3).
    return framing(head, false);
  }

  protected onBody(bytes: number): void {
    this.#current!.bodyBytes += bytes;
  }

  protected onEnd(): void {}
}

/** The server's side of a connection: each final response, paired with its request. */
export class ResponseObserver extends MessageObserver {
  #exchange: Exchange | undefined;

  constructor(
    private readonly requests: RequestObserver,
    private readonly answered: (exchange: Exchange) => void,
  ) {
    super();
  }

  protected onHead(head: Head): Framing | undefined {
    const status = Number(head.startLine.split(" ")[1]);
    if (!Number.isInteger(status))
      throw new Error(`an HTTP status line without a status: "${head.startLine}"`);
    if (status === 101) throw new Error("101 Switching Protocols: the connection is no longer HTTP/1.1");
    if (status < 200) return undefined;
    const request = this.requests.waiting.shift();
    if (!request) throw new Error(`a ${status} response to no request`);
    this.#exchange = { request, status, bodyBytes: 0 };
    if (request.method === "HEAD" || status === 204 || status === 304)
      return { kind: "length", remaining: 0 };
    return framing(head, true);
  }

  protected onBody(bytes: number): void {
    if (this.#exchange) this.#exchange.bodyBytes += bytes;
  }

  protected onEnd(): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    if (exchange) this.answered(exchange);
  }
}

/** The framing a head declares; a response without either header runs to the connection's end. */
function framing(head: Head, response: boolean): Framing | undefined {
  const coding = head.headers.get("transfer-encoding");
  if (coding !== undefined && /(^|,)\s*chunked\s*$/i.test(coding))
    return { kind: "chunked", body: new ChunkedBody() };
  const length = head.headers.get("content-length");
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw new Error(`an HTTP Content-Length of "${length}"`);
    return { kind: "length", remaining: Number(length) };
  }
  return response ? { kind: "close" } : undefined;
}

function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { startLine: lines[0]!, headers };
}

/** A body in chunked transfer coding (RFC 9112 §7.1): its data bytes counted, the rest skipped. */
export class ChunkedBody {
  dataBytes = 0;
  done = false;
  #state: "size" | "data" | "data-end" | "trailer" = "size";
  #line = "";
  #remaining = 0;

  /** Reads from `chunk` at `at`; returns where this body ends in it, or the chunk's length. */
  feed(chunk: Buffer, at: number): number {
    while (at < chunk.length && !this.done) {
      if (this.#state === "data") {
        const n = Math.min(this.#remaining, chunk.length - at);
        this.dataBytes += n;
        this.#remaining -= n;
        at += n;
        if (this.#remaining === 0) {
          this.#state = "data-end";
          this.#remaining = 2;
        }
      } else if (this.#state === "data-end") {
        const n = Math.min(this.#remaining, chunk.length - at);
        this.#remaining -= n;
        at += n;
        if (this.#remaining === 0) this.#state = "size";
      } else {
        const newline = chunk.indexOf(10, at);
        const stop = newline === -1 ? chunk.length : newline + 1;
        this.#line += chunk.toString("latin1", at, stop);
        at = stop;
        if (newline === -1) {
          if (this.#line.length > MAX_HEAD) throw new Error("a chunk-size or trailer line without an end");
          continue;
        }
        const line = this.#line.trimEnd();
        this.#line = "";
        if (this.#state === "trailer") {
          if (line === "") this.done = true;
          continue;
        }
        const size = line.split(";")[0]!.trim();
        if (!/^[0-9a-fA-F]+$/.test(size)) throw new Error(`a chunk size of "${line}"`);
        this.#remaining = Number.parseInt(size, 16);
        this.#state = this.#remaining === 0 ? "trailer" : "data";
      }
    }
    return at;
  }
}
