import t from 'tap';
import { ServiceAccountCache } from '../../src/identity/service-account-cache.js';
import type { ServiceAccountRecord } from '../../src/engine/identity.js';

const rec = (name: string, role?: string): ServiceAccountRecord => ({ namespace: 'a', name, annotations: role ? { 'eks.amazonaws.com/role-arn': role } : {} });

t.test('a direct read is cached only if the list/watch left that ServiceAccount alone meanwhile', async (t) => {
  const c = new ServiceAccountCache();
  const fresh = c.beginRead('a', 'x');
  t.equal(c.finishRead(fresh, rec('x', 'r1')), true, 'nothing happened meanwhile: cached');
  t.equal(c.get('a', 'x')?.annotations['eks.amazonaws.com/role-arn'], 'r1');

  const afterWatch = c.beginRead('a', 'y');
  c.set(rec('y', 'new'));
  t.equal(c.finishRead(afterWatch, rec('y', 'old')), false, 'a watch write after the GET was sent wins');
  t.equal(c.get('a', 'y')?.annotations['eks.amazonaws.com/role-arn'], 'new');

  const afterDelete = c.beginRead('a', 'z');
  c.delete('a', 'z'); // DELETED for a key the cache never held still counts
  t.equal(c.finishRead(afterDelete, rec('z', 'zombie')), false, 'a delete after the GET was sent wins');
  t.equal(c.get('a', 'z'), undefined);

  const other = c.beginRead('a', 'w');
  c.set(rec('unrelated'));
  t.equal(c.finishRead(other, rec('w')), true, 'writes of other keys do not matter');
  t.equal(c.finishRead(other, rec('w', 'again')), false, 'a read ends once');
  t.equal(c.size, 4);
});
