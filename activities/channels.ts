/**
 * One send over one channel: email (SMTP via nodemailer), Slack (incoming
 * webhook) or a signed HTTP POST. Each throws {@link PermanentDeliveryError}
 * when retrying cannot help and a plain error when it can.
 */
import type { ActivityDeps } from './deps.ts';
import { PermanentDeliveryError } from './delivery-errors.ts';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-signature.ts';

/**
 * Sends one email, as multipart/alternative when it has an HTML part. A 5xx
 * SMTP reply is permanent; anything else (4xx, refused connection, timeout)
 * is retried.
 */
export async function sendEmail(deps: ActivityDeps, mail: { to: string; subject: string; text: string; html?: string; idemKey: string }): Promise<void> {
  if (!deps.mailer) throw new PermanentDeliveryError('ChannelNotConfigured', 'no SMTP server configured (SMTP_URL)');
  try {
    await deps.mailer.sendMail({
      from: deps.mailFrom,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.html === undefined ? {} : { html: mail.html }),
      // A stable Message-ID lets receiving systems drop a duplicate if a
      // crash between "sent" and "recorded" ever makes us send again.
      messageId: `<${encodeURIComponent(mail.idemKey)}@milepost>`,
    });
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    if (code !== undefined && code >= 500) throw new PermanentDeliveryError('ChannelRejected', `SMTP ${code}: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * POSTs JSON to `url`, signed when a secret is configured. 2xx is success;
 * 408, 429 and 5xx are retried; any other status is permanent.
 */
export async function postJson(deps: ActivityDeps, url: string, body: string, idemKey: string, sign: boolean): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': idemKey };
  if (sign && deps.webhookSecret !== null) {
    const timestamp = Math.floor(Date.now() / 1000);
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = signWebhook(deps.webhookSecret, timestamp, body);
  }
  const response = await deps.fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) });
  await response.body?.cancel().catch(() => {});
  if (response.ok) return;
  const status = response.status;
  if (status === 408 || status === 429 || status >= 500) throw new Error(`HTTP ${status} from ${url}`);
  throw new PermanentDeliveryError('ChannelRejected', `HTTP ${status} from ${url}`);
}
