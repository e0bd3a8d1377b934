import { describe, expect, it } from "vitest";
import { type Exchange, RequestObserver, ResponseObserver } from "../../bench/http-observer.js";

/** One connection's two directions, each as one byte string. */
const REQUESTS = [
  "GET /bucket/a%20key?x=1 HTTP/1.1\r\nHost: h\r\nRange: bytes=0-3\r\n\r\n",
  "HEAD /bucket/b HTTP/1.1\r\nHost: h\r\n\r\n",
  "PUT /bucket/c HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
  "hello",
  "PUT /bucket/d HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n",
  "DELETE /bucket/e HTTP/1.1\r\nHost: h\r\n\r\n",
  "GET /bucket/ HTTP/1.1\r\nHost: h\r\n\r\n",
].join("");

const RESPONSES = [
  "HTTP/1.1 206 Partial Content\r\nContent-Length: 4\r\nContent-Range: bytes 0-3/10\r\n\r\nGRIB",
  "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
  "HTTP/1.1 100 Continue\r\n\r\n",
  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<ok>\r\n0\r\n\r\n",
  "HTTP/1.1 204 No Content\r\n\r\n",
  "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<ListBucketResult/>",
].join("");

const EXPECTED = [
  {
    request: { method: "GET", target: "/bucket/a%20key?x=1", range: "bytes=0-3", bodyBytes: 0 },
    status: 206,
    bodyBytes: 4,
  },
  { request: { method: "HEAD", target: "/bucket/b", bodyBytes: 0 }, status: 200, bodyBytes: 0 },
  { request: { method: "PUT", target: "/bucket/c", bodyBytes: 5 }, status: 200, bodyBytes: 0 },
  { request: { method: "PUT", target: "/bucket/d", bodyBytes: 5 }, status: 200, bodyBytes: 4 },
  { request: { method: "DELETE", target: "/bucket/e", bodyBytes: 0 }, status: 204, bodyBytes: 0 },
  { request: { method: "GET", target: "/bucket/", bodyBytes: 0 }, status: 200, bodyBytes: 19 },
];

/** Feeds both directions split at `cuts` (positions in each string) and returns the exchanges. */
function observe(requestCuts: number[], responseCuts: number[]): Exchange[] {
  const exchanges: Exchange[] = [];
  const requests = new RequestObserver();
  const responses = new ResponseObserver(requests, (e) => exchanges.push(e));
  const pieces = (text: string, cuts: number[]) =>
    [0, ...cuts, text.length]
      .slice(1)
      .map((end, i, ends) => Buffer.from(text.slice(i === 0 ? 0 : ends[i - 1], end), "latin1"));
  for (const piece of pieces(REQUESTS, requestCuts)) requests.feed(piece);
  for (const piece of pieces(RESPONSES, responseCuts)) responses.feed(piece);
  responses.end();
  return exchanges;
}

describe("HTTP observer", () => {
  it("pairs each final response with its request and counts the bodies without their coding", () => {
    expect(observe([], [])).toEqual(EXPECTED);
  });

  it("reads the same wherever the bytes are cut, in either direction", () => {
    for (let cut = 1; cut < REQUESTS.length; cut++)
      expect(observe([cut], []), `request cut at ${cut}`).toEqual(EXPECTED);
    for (let cut = 1; cut < RESPONSES.length; cut++)
      expect(observe([], [cut]), `response cut at ${cut}`).toEqual(EXPECTED);
  });

  it("reads a stream fed one byte at a time", () => {
    const every = (text: string) => Array.from({ length: text.length - 1 }, (_, i) => i + 1);
    expect(observe(every(REQUESTS), every(RESPONSES))).toEqual(EXPECTED);
  });

  it("refuses what it cannot follow, naming it", () => {
    const requests = new RequestObserver();
    requests.feed(Buffer.from("GET /b/k HTTP/1.1\r\n\r\n"));
    const responses = new ResponseObserver(requests, () => {});
    expect(() =>
      responses.feed(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")),
    ).toThrow('a chunk size of "zz"');
    expect(() =>
      new ResponseObserver(new RequestObserver(), () => {}).feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\n")),
    ).toThrow("a 200 response to no request");
    expect(() =>
      new ResponseObserver(new RequestObserver(), () => {}).feed(
        Buffer.from("HTTP/1.1 101 Switching Protocols\r\n\r\n"),
      ),
    ).toThrow("101 Switching Protocols");
  });
});
