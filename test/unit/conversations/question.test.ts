import { checkedQuestion } from '../../../src/conversations/question';

describe('checkedQuestion: the rules every question follows, over HTTP and MCP', () => {
  it('keeps the question without control characters or surrounding whitespace', () => {
    expect(checkedQuestion('  What\u0000 is\theat?\n', 100, 'prompt')).toEqual({
      ok: true,
      text: 'What is\theat?',
    });
  });

  it('refuses an empty question, naming the field', () => {
    expect(checkedQuestion(' \u0007 \n', 100, 'message')).toMatchObject({
      ok: false,
      error: {
        status: 400,
        code: 'empty_prompt',
        message: expect.stringContaining('message is empty') as unknown,
      },
    });
  });

  it('counts characters, not UTF-16 units, against the limit', () => {
    expect(checkedQuestion('🔥'.repeat(10), 10, 'prompt').ok).toBe(true);
    expect(checkedQuestion('🔥'.repeat(11), 10, 'prompt')).toMatchObject({
      ok: false,
      error: {
        status: 413,
        code: 'prompt_too_large',
        message: expect.stringContaining('10 characters') as unknown,
      },
    });
  });
});
