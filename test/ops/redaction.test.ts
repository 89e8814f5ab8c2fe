import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../src/logger.ts';
import { subgraph, type SubgraphHandle } from '../helpers/harness.ts';
import { PLANTED_SECRET } from '../helpers/planted-secret.ts';

// Credentials never reach a log line: by path (pino `redact`) wherever a credential field sits in a
// logged object, and by value (the known secrets) wherever one hides inside a string.

const USER_TOKEN = 'OCAplantedUserToken9d8c7b6a5';
const ROUTER_SECRET = 'planted-router-secret-0123456789';

function capture(options: Parameters<typeof createLogger>[2] = {}) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', sink, options), lines };
}

describe('the logger', () => {
  it('redacts credential fields wherever they sit in a logged object', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        appSecret: PLANTED_SECRET,
        credentials: { appId: '1234', appSecret: PLANTED_SECRET },
        config: { appSecret: PLANTED_SECRET, routerSecret: ROUTER_SECRET },
        userToken: USER_TOKEN,
        call: { userToken: USER_TOKEN, token: USER_TOKEN },
        headers: {
          authorization: `Bearer OC|1234|${PLANTED_SECRET}`,
          'x-horizon-user-token': USER_TOKEN,
          'router-authorization': ROUTER_SECRET,
        },
        req: { headers: { authorization: `Bearer ${USER_TOKEN}`, cookie: `session=${USER_TOKEN}` } },
        upstream: { headers: { authorization: `Bearer OC|1234|${PLANTED_SECRET}` } },
      },
      'a line full of credentials',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const secret of [PLANTED_SECRET, USER_TOKEN, ROUTER_SECRET]) expect(line).not.toContain(secret);
    expect(line).toContain(REDACTED);
    expect(JSON.parse(line).credentials.appId).toBe('1234'); // only the credentials go
  });

  it('scrubs the known secrets from messages and free text, JSON-escaped or not', () => {
    const { logger, lines } = capture({ secrets: [PLANTED_SECRET, ROUTER_SECRET, undefined] });
    logger.warn(`token OC|1234|${PLANTED_SECRET} was rejected`);
    logger.error({ err: new Error(`router said ${ROUTER_SECRET}`) }, 'failed');
    logger.info({ detail: { nested: [`"${PLANTED_SECRET}"`] } }, 'quoted');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(PLANTED_SECRET);
      expect(line).not.toContain(ROUTER_SECRET);
      expect(line).toContain(REDACTED);
    }
  });
});

describe('over HTTP', () => {
  let sg: SubgraphHandle;
  beforeAll(async () => {
    sg = await subgraph();
  });
  afterAll(() => sg.close());

  it('an upstream error that echoes the app token and a user token leaves neither in any log line', async () => {
    const appToken = `OC|${sg.emulator.app.id}|${sg.emulator.app.secret}`;
    expect(sg.emulator.app.secret).toBe(PLANTED_SECRET);
    await sg.emulator.fault({
      route: 'GET /{user_id}/achievements',
      status: 400,
      body: {
        error: { message: `Invalid OAuth access token: ${appToken}`, code: 190, fbtrace_id: 'AbC123' },
      },
    });
    const res = await sg.gql(
      '{ user(id: "1000000000000001") { achievements { apiName } } }',
      {},
      { 'x-horizon-user-token': USER_TOKEN, authorization: `Bearer ${USER_TOKEN}` },
    );
    expect(res.errors).toHaveLength(1);
    const logs = sg.logs.join('\n');
    expect(logs).toContain('upstream call failed');
    expect(logs).toContain('AbC123'); // the fbtrace_id stays: it is what Meta support asks for
    expect(logs).not.toContain(PLANTED_SECRET);
    expect(logs).not.toContain(USER_TOKEN);
    expect(res.raw).not.toContain(PLANTED_SECRET);
  });
});
