import { answerFormatOf } from '../../../src/http/answerFormat';

function format(accept?: string) {
  return answerFormatOf({ headers: new Headers(accept === undefined ? {} : { accept }) });
}

describe('answerFormatOf', () => {
  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['text/plain', 'text'],
    ['text/plain, */*;q=0.8', 'text'],
    ['application/json, text/plain', 'json'],
    ['text/plain;q=0.5, application/json', 'json'],
    ['text/plain, application/json;q=0.9', 'text'],
    ['text/plain;q=0', 'json'],
    ['text/event-stream', 'event-stream'],
    ['text/event-stream, application/json', 'event-stream'],
    ['application/json, text/event-stream;q=0.5', 'json'],
    ['TEXT/PLAIN', 'text'],
  ])('reads Accept %p as %p', (accept, expected) => {
    expect(format(accept)).toBe(expected);
  });
});
