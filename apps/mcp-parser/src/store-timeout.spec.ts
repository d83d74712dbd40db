import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMED_OUT, withDeadline } from './store-timeout';

const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('withDeadline', () => {
  // The deadline timer is unref'd (it must not keep a stopping monitor alive): keep the test's loop running.
  let alive: NodeJS.Timeout;
  before(() => (alive = setInterval(() => undefined, 1000)));
  after(() => clearInterval(alive));

  test('the answer when it comes in time, TIMED_OUT when it does not, in one shared list', async () => {
    const never = new Promise<string>(() => undefined);
    const results = await Promise.all([withDeadline(Promise.resolve('a'), 40), withDeadline(never, 40), withDeadline(later(5, 'b'), 40), withDeadline(never, 40)]);
    assert.deepEqual(results, ['a', TIMED_OUT, 'b', TIMED_OUT]);
  });

  test('a rejection in time rejects; one after the deadline is not unhandled', async () => {
    await assert.rejects(withDeadline(Promise.reject(new Error('down')), 40), /down/);
    const late = new Promise<string>((_, rej) => setTimeout(() => rej(new Error('late')), 30));
    assert.equal(await withDeadline(late, 5), TIMED_OUT);
    await new Promise((r) => setTimeout(r, 40));
  });

  test('calls added after the list emptied still time out; no deadline with 0', async () => {
    const never = new Promise<string>(() => undefined);
    assert.equal(await withDeadline(never, 10), TIMED_OUT);
    assert.equal(await withDeadline(never, 10), TIMED_OUT);
    assert.equal(await withDeadline(Promise.resolve(1), 0), 1);
  });
});
