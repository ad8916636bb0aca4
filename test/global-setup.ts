// vitest globalSetup: before any test file runs, the system tools the tests use must be there.
import { ensureSystemTools } from './system-tools.js';

export default function setup(): void {
  ensureSystemTools();
}
