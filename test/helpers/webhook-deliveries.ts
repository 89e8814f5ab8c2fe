import { orderStatusChange, webhookBody } from '../../src/shared/webhook-deliveries.ts';
import { parseMetrics } from '../ops/prometheus-text.ts';

/** The real purchase a live title captured (docs/purchase-events.md), player id shortened. */
export const CAPTURED_PURCHASE = {
  entryId: '1176155782242424',
  entryTime: 1780420524,
  eventTime: 1780420519,
  userId: '3567000000000474',
  sku: 'Bundle_Xenodon',
  reportingId: '9ed497fb-7c3f-4e0e-afb8-ca286198ac9b',
};

/** The captured purchase as a delivery's body (`entryId` in place of the capture's, when given). */
export function capturedDelivery(entryId = CAPTURED_PURCHASE.entryId): string {
  const c = CAPTURED_PURCHASE;
  return webhookBody([
    {
      id: entryId,
      time: c.entryTime,
      changes: [
        orderStatusChange({
          userId: c.userId,
          sku: c.sku,
          notificationType: 'PURCHASED',
          reportingId: c.reportingId,
          eventTime: c.eventTime,
        }),
      ],
    },
  ]);
}

/** The value of one sample of `/metrics` at `baseUrl`, 0 when absent. */
export async function metricValue(
  baseUrl: string,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const sample = parseMetrics(text).find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return sample?.value ?? 0;
}
