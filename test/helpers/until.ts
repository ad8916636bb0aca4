// Waiting in a test for something another process does: a child's line, a server's answer, a file.

/** Polls `probe` every `stepMs` until it gives a value, or fails naming `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 120_000, stepMs = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
