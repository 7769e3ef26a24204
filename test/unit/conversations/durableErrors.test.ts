import { durableStatusOf, isNotFound } from '../../../src/conversations/durableErrors';

// The messages durable-functions' DurableClient writes, as its own code builds them.
describe('durableStatusOf', () => {
  it.each([
    [
      'getStatus on an unknown instance',
      'DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could not find any data associated with the instanceId provided: abc.',
      404,
    ],
    [
      'an empty getStatus reply',
      'DurableClient error: the Durable Functions extension replied with an empty HTTP 400 response.',
      400,
    ],
    [
      'any other unexpected reply',
      'The operation failed with an unexpected status code: 409. Details: "conflict"',
      409,
    ],
    [
      'a 500 from the extension',
      'The operation failed with an unexpected status code: 500. Details: {}',
      500,
    ],
    ["terminate's 404, which names no number", "No instance with ID 'abc:physicist' found.", 404],
  ])('reads %s', (_case, message, status) => {
    expect(durableStatusOf(new Error(message))).toBe(status);
  });

  it.each([
    ['a network failure', new Error('connect ECONNREFUSED 127.0.0.1:17071')],
    ['a 404 that is only part of an id', new Error('Instance run-404-x is busy')],
    ['a bug in our own code', new TypeError("Cannot read properties of undefined (reading 'agents')")],
    ['something thrown that is not an Error', 'replied with HTTP 404 response'],
    ['nothing', undefined],
  ])('reads no status from %s', (_case, error) => {
    expect(durableStatusOf(error)).toBeUndefined();
  });

  it('counts only a 404 as not found', () => {
    expect(isNotFound(new Error("No instance with ID 'x' found."))).toBe(true);
    expect(
      isNotFound(new Error('The operation failed with an unexpected status code: 410. Details: ""')),
    ).toBe(false);
  });
});
