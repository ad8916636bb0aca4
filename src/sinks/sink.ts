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
  /** Resolves once the message is handed over for good; rejects on any failure (the outbox retries). */
  send(mail: OutgoingMail): Promise<void>;
  /**
   * Whether a message with this Message-ID is known to have been delivered, when the sink can tell
   * (a directory can; SMTP cannot, and returns null).
   */
  delivered(messageId: string): Promise<boolean | null>;
  close(): Promise<void>;
}
