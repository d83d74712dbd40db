import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { warmUpSecurity } from './warm-up';

describe('security warm-up', () => {
  test('every synthetic message goes through a throwaway engine', async () => {
    assert.equal(await warmUpSecurity(300), 300);
  });
});
