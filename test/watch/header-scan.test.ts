// peekHeaders reads the Message-ID, Subject and List-Ids of a raw message from its header block
// alone; these are the cases its search for the three names must get right as the line-by-line
// reading did (folded values, names in any case, a stray CR, headers after the body, repeats).
import { describe, expect, it } from 'vitest';
import { peekHeaders } from '../../src/watch/header-scan.js';

const peek = (s: string) => peekHeaders(Buffer.from(s, 'latin1'));

describe('peekHeaders', () => {
  it('reads the three headers, the first Message-ID and Subject and every List-Id', () => {
    expect(peek('From: a@b\r\nSubject: [PATCH] x\r\nMessage-ID: <1@x>\r\nMessage-ID: <2@x>\r\nList-Id: A <a.b>\r\nList-ID: <c.D>\r\nSubject: second\r\n\r\nbody')).toEqual({
      messageId: '1@x',
      listIds: ['a.b', 'c.d'],
      subject: '[PATCH] x',
    });
  });

  it('unfolds a folded value, a name at the very start and blanks around the colon', () => {
    expect(peek('message-id :\n <id@z>\nSUBJECT:\tRe: x\n  y\n\nb')).toEqual({ messageId: 'id@z', listIds: [], subject: 'Re: x y' });
    expect(peek('Subject:\n  folded\nMessage-Id: bare@id \n\n')).toEqual({ messageId: 'bare@id', listIds: [], subject: 'folded' });
  });

  it('takes no header from inside another line, a longer name or the body', () => {
    expect(peek('X-Note: see\rSubject: hidden\nSubject: shown\nMessage-IDs: <no@x>\nX-Message-ID: <no@y>\n\nMessage-ID: <body@x>\n')).toEqual({
      messageId: null,
      listIds: [],
      subject: 'shown',
    });
  });

  it('leaves out a value with a stray CR in it, as a line that does not parse', () => {
    expect(peek('Subject: a\r\r\nSubject: b\r\nMessage-ID: <x\ry@z>\r\nMessage-ID: <ok@z>\r\n\r\n')).toEqual({ messageId: 'ok@z', listIds: [], subject: 'b' });
  });

  it('reads a header block with no body and an empty value', () => {
    expect(peek('Subject:\r\nMessage-ID: <a b>')).toEqual({ messageId: null, listIds: [], subject: '' });
    expect(peek('Message-ID:   spaced@id   ')).toEqual({ messageId: 'spaced@id', listIds: [], subject: null });
  });
});
