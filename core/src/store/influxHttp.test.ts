/** The /query answer's encoding: MessagePack when the server gives it, JSON otherwise; the contract suite covers a real server. */
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { createInfluxHttp, StoreHttpError } from './influxHttp.ts';

const answer = {
  results: [{ statement_id: 0, series: [{ name: 'telemetry', columns: ['time', 'v'], values: [[1_795_751_120_342, 21.5]] }] }],
};
const expected = [{ statement_id: 0, series: [{ name: 'telemetry', columns: ['time', 'v'], values: [[1_795_751_120_342, 21.5]] }] }];

const msgpack = (body: unknown, status = 200) =>
  new Response(encode(body), { status, headers: { 'Content-Type': 'application/x-msgpack' } });
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A fetch that records the Accept and Accept-Encoding headers of each request and plays back answers in order. */
function scripted(answers: Response[], options: { gzip?: boolean } = {}) {
  const accepts: Array<string | null> = [];
  const encodings: Array<string | null> = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Request(input, init).headers;
    accepts.push(headers.get('accept'));
    encodings.push(headers.get('accept-encoding'));
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next;
  }) as typeof fetch;
  return {
    http: createInfluxHttp({ url: 'http://influx.local:8086', database: 'canopy', fetch: fetchImpl, ...options }),
    accepts,
    encodings,
  };
}

describe('createInfluxHttp reads', () => {
  it('asks for MessagePack and decodes it to the same results as JSON', async () => {
    const { http, accepts } = scripted([msgpack(answer)]);
    expect(await http.read('SELECT v FROM telemetry')).toEqual(expected);
    expect(accepts).toEqual(['application/x-msgpack']);
  });

  it('asks for answers without gzip unless gzip is on', async () => {
    const plain = scripted([msgpack(answer)]);
    await plain.http.read('SELECT v FROM telemetry');
    expect(plain.encodings).toEqual(['identity']);
    const gzip = scripted([msgpack(answer)], { gzip: true });
    await gzip.http.read('SELECT v FROM telemetry');
    expect(gzip.encodings).toEqual([null]);
  });

  it('reads JSON from a server that ignores the Accept header', async () => {
    const { http } = scripted([json(answer)]);
    expect(await http.read('SELECT v FROM telemetry')).toEqual(expected);
  });

  it('asks again for JSON, and from then on, when the server refuses MessagePack', async () => {
    const { http, accepts } = scripted([json({ error: 'not acceptable' }, 406), json(answer), json(answer)]);
    expect(await http.read('SELECT v FROM telemetry')).toEqual(expected);
    expect(await http.read('SELECT v FROM telemetry')).toEqual(expected);
    expect(accepts).toEqual(['application/x-msgpack', 'application/json', 'application/json']);
  });

  it("reports a MessagePack error answer's message", async () => {
    const { http } = scripted([msgpack({ error: 'error parsing query: found EOF' }, 400)]);
    const err = await http.read('SELECT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreHttpError);
    expect((err as StoreHttpError).message).toContain('error parsing query: found EOF');
    expect((err as StoreHttpError).status).toBe(400);
  });

  it('refuses an answer that is neither JSON nor MessagePack with a coded error', async () => {
    const { http } = scripted([new Response('<html>proxy</html>', { status: 200, headers: { 'Content-Type': 'text/html' } })]);
    await expect(http.read('SELECT v FROM telemetry')).rejects.toMatchObject({ code: 'CANOPY_STORE_QUERY' });
  });
});

describe('createInfluxHttp writes', () => {
  it('posts the pieces joined by newlines, multi-byte text encoded once', async () => {
    const bodies: Buffer[] = [];
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      bodies.push(Buffer.from(await new Request(input, init).arrayBuffer()));
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    const http = createInfluxHttp({ url: 'http://influx.local:8086', database: 'canopy', fetch: fetchImpl });
    await http.write(['a,g=Gia\\ Lộc v=1 1', 'b v=2 2\nc v=3 3', 'd v=4 4']);
    await http.write(['one v=1 1']);
    expect(bodies.map((b) => b.toString('utf8'))).toEqual(['a,g=Gia\\ Lộc v=1 1\nb v=2 2\nc v=3 3\nd v=4 4', 'one v=1 1']);
    expect(bodies[0]?.length).toBe(Buffer.byteLength('a,g=Gia\\ Lộc v=1 1\nb v=2 2\nc v=3 3\nd v=4 4'));
  });
});
