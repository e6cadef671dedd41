/**
 * How a delivery attempt failed: transient (retry with backoff) or permanent
 * (record as failed at once). Activities turn a permanent failure into
 * `ApplicationFailure.nonRetryable` only after writing it down.
 */

/** Failure types a delivery can end with (ApplicationFailure `type`). */
export type DeliveryFailureType = 'ChannelRejected' | 'ChannelNotConfigured' | 'NoRecipient' | 'DeliveryExhausted';

/** A failure retrying cannot fix: a 5xx SMTP reply, a 4xx webhook answer, no recipient. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
  readonly type: DeliveryFailureType;
  constructor(type: DeliveryFailureType, message: string) {
    super(message);
    this.type = type;
  }
}
