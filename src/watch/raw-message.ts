// What a watched source hands to intake: the bytes of one message and where they came from.

export interface RawMessage {
  raw: Buffer;
  /** For logs and errors: `lore-btrfs 1.git@ab12cd34ef56`, `maildir:/srv/mail/new/17…`. */
  origin: string;
  /** The source's configured name (the same for every message it reads). */
  source: string;
}

/** Stores a batch durably (or decides to drop it); the source advances its cursor only after it resolves. */
export type BatchHandler = (batch: RawMessage[]) => Promise<void>;

/**
 * A source takes messages up to `limits.messageBytes` (src/core/limits.ts, the policy's `limits:`);
 * a larger one is skipped (or refused) with one line, and the messages behind it go on.
 */
export interface WatchSource {
  readonly name: string;
  /** Reads what arrived since the last poll, hands it over in batches, advances the cursor. Returns how many messages. */
  poll(handle: BatchHandler): Promise<number>;
  /** For sources that are told when mail arrives (IMAP IDLE): call `wake` then, so the daemon polls at once. */
  onArrival?(wake: () => void): void;
  close(): Promise<void>;
}
