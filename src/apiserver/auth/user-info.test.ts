import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  anonymousUser,
  authenticatedUser,
  serviceAccountUser,
  splitServiceAccountUsername,
} from './user-info.js';

describe('user info', () => {
  it('adds system:authenticated once, and never to anonymous or unauthenticated users', () => {
    assert.deepEqual(authenticatedUser({ name: 'alice', groups: ['devs'] }), {
      name: 'alice',
      groups: ['devs', 'system:authenticated'],
    });
    const already = { name: 'alice', groups: ['system:authenticated'] };
    assert.equal(authenticatedUser(already), already);
    assert.deepEqual(authenticatedUser(anonymousUser()), {
      name: 'system:anonymous',
      groups: ['system:unauthenticated'],
    });
    assert.deepEqual(authenticatedUser({ name: 'x', groups: ['system:unauthenticated'] }).groups, [
      'system:unauthenticated',
    ]);
  });

  it('names service accounts and their groups', () => {
    assert.deepEqual(serviceAccountUser('ns', 'sa', 'uid-1'), {
      name: 'system:serviceaccount:ns:sa',
      uid: 'uid-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'],
    });
  });

  it('splits only well-formed service-account usernames', () => {
    assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:ns:sa.name'), {
      namespace: 'ns',
      name: 'sa.name',
    });
    for (const bad of [
      'system:serviceaccount:ns',
      'system:serviceaccount:ns:sa:extra',
      'system:serviceaccount::sa',
      'system:serviceaccount:ns:',
      'system:serviceaccount:Ns:sa',
      'system:serviceaccount:a.b:sa',
      'system:serviceaccounts:ns:sa',
      'alice',
    ]) {
      assert.equal(splitServiceAccountUsername(bad), undefined, bad);
    }
  });
});
