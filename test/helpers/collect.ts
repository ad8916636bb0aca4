// Tests about what stays alive: a full collection on demand (V8's gc(), exposed at run time for this
// process) and the heap it leaves in use.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** A full collection. */
export const gc = runInNewContext('gc') as () => void;

/** The heap in use after two full collections (the second takes what the first only finalised). */
export function heldHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
