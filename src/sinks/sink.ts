// What every mail sink does: deliver one fully rendered message, byte for byte, identified by its Message-ID.

export interface OutgoingMail {
  /** Without angle brackets; the outbox key. */
  messageId: string;
  /** The complete RFC 5322 message (CRLF line ends), as it must go out. */
  raw: string;
  envelope: { from: string; to: string[] };
}

export interface Sink {
  readonly name: string;
  /**
   * How long after a message was handed over its receiver may still take to accept it (SMTP: the
   * wait for the answer to the final `.`). The outbox waits this long, on top of its grace period,
   * before it sends an unsettled reply again.
   */
  readonly answerWindowMs: number;
  /**
   * Resolves once the message is handed over for good. Rejects with SinkUncertain when the message
   * went out but no answer came (it may have arrived), with SinkUnreachable when the receiver could
   * not be reached at all, and with any other error when it was not delivered (the outbox retries).
   */
  send(mail: OutgoingMail): Promise<void>;
  /**
   * Whether a message with this Message-ID is known to have been delivered, when the sink can tell
   * (a directory can; SMTP cannot, and returns null).
   */
  delivered(messageId: string): Promise<boolean | null>;
  close(): Promise<void>;
}

/** The whole message was handed over and no answer came: it may or may not have been delivered. */
export class SinkUncertain extends Error {
  override name = 'SinkUncertain';
}

/** The receiver could not be reached, greeted nobody or refused the login: no message can go through it now. */
export class SinkUnreachable extends Error {
  override name = 'SinkUnreachable';
}
