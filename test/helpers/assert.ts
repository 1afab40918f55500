// Assertions uvu lacks.
import * as assert from 'uvu/assert';

/** Asserts that the promise rejects, with a message matching `pattern` when given. */
export async function rejects(promise: Promise<unknown>, pattern?: RegExp): Promise<void> {
  try {
    await promise;
  } catch (e) {
    if (pattern !== undefined) assert.match(String((e as Error).message), pattern);
    return;
  }
  assert.unreachable(`expected a rejection${pattern === undefined ? '' : ` matching ${pattern}`}`);
}
