import { ROUTES } from '../../shared/routes.ts';
import type { HorizonTransport } from '../client.ts';
import { seg } from '../read-fields.ts';

/**
 * Whether Meta's API answers now, for readiness probes: the smallest app-authenticated read
 * there is (`GET /{app_id}/leaderboards`, one id). Never cached, as a cached answer says nothing
 * about the upstream now. Resolves once the API answered; rejects with the call's
 * `HorizonApiError` otherwise.
 */
export async function probeUpstream(client: HorizonTransport): Promise<void> {
  await client.call({
    route: ROUTES.leaderboardsRead,
    method: 'GET',
    path: `/${seg(client.appId)}/leaderboards`,
    params: { fields: 'id', limit: 1 },
    retry: 'safe',
  });
}
