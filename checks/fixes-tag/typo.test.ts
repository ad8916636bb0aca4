// A Fixes: id one or two keystrokes away from the commit with the tag's subject is a typo.
import { describe, expect, it } from 'vitest';
import { looksMistyped } from './identify.js';

const oid = '1c3d5e7f9a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d';

describe('looksMistyped', () => {
  it('a changed digit, two changed digits, a swap, a dropped or an extra digit', () => {
    expect(looksMistyped('1c3d5e7f9a2c', oid)).toBe(true);
    expect(looksMistyped('1c3d5e0f9a2c', oid)).toBe(true);
    expect(looksMistyped('1c3d5e7f2a9c', oid)).toBe(false); // three changed digits
    expect(looksMistyped('1c3d5e7fa92b', oid)).toBe(true);
    expect(looksMistyped('1c3d5e7f9ab4', oid)).toBe(true);
    expect(looksMistyped('1c3d5e7f9a22b', oid)).toBe(true);
    expect(looksMistyped('1C3D5E7F9A2C', oid)).toBe(true);
  });

  it('another tree\'s id, and ids too short to tell, are not typos', () => {
    expect(looksMistyped('0123456789ab', oid)).toBe(false);
    expect(looksMistyped('1c3d5e70', oid)).toBe(true);
    expect(looksMistyped('1c3d5e0', oid)).toBe(false);
    expect(looksMistyped('ffffffffffff', oid)).toBe(false);
  });
});
