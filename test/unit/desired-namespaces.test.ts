import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredNamespaces, namespaceOf } from '../../src/businesses/desired.js';

describe('desiredNamespaces (pure)', () => {
  it('is empty without businesses', () => {
    assert.deepEqual(desiredNamespaces([]), []);
  });

  it('keeps approved businesses only (not pending, disapproved or deleted)', () => {
    const rows = [
      { id: 1, status: 0 },
      { id: 2, status: 1 },
      { id: 3, status: 2 },
      { id: 4, status: 3 },
      { id: 5, status: 1 },
    ];
    assert.deepEqual(desiredNamespaces(rows), ['ns2', 'ns5']);
  });

  it('names them ns<id> and sorts them in byte order whatever the input order', () => {
    const rows = [123, 9, 10, 2].map((id) => ({ id, status: 1 }));
    assert.deepEqual(desiredNamespaces(rows), ['ns10', 'ns123', 'ns2', 'ns9']);
    assert.equal(namespaceOf(123), 'ns123');
  });

  it('does not modify its input', () => {
    const rows = Object.freeze([Object.freeze({ id: 3, status: 1 }), Object.freeze({ id: 1, status: 1 })]);
    assert.deepEqual(desiredNamespaces(rows), ['ns1', 'ns3']);
    assert.deepEqual(
      rows.map((r) => r.id),
      [3, 1],
    );
  });
});
