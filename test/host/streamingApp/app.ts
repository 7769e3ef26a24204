// A minimal app with HTTP streaming on, for the host's streaming path (httpStreaming.test.ts).
import { app } from '@azure/functions';

app.setup({ enableHttpStream: true });

/** The test opens this gate to let the stream's second chunk out: proof that the first arrived alone. */
export interface StreamGate {
  open: Promise<void>;
}
const gateKey = Symbol.for('durable-multi-agent-panel.test.streamGate');
const gate = (): StreamGate | undefined => (globalThis as Record<symbol, StreamGate | undefined>)[gateKey];

app.http('chunks', {
  route: 'chunks',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => {
    const encoder = new TextEncoder();
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('first\n'));
        await gate()?.open;
        if (!cancelled) {
          controller.enqueue(encoder.encode('second\n'));
          controller.close();
        }
      },
      cancel() {
        cancelled = true;
      },
    });
    return { status: 200, headers: { 'content-type': 'text/plain' }, body };
  },
});

app.http('echo', {
  route: 'items/{id}/echo',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request) => ({
    status: 201,
    headers: { 'x-echo': 'yes' },
    jsonBody: {
      id: request.params.id,
      q: request.query.get('q'),
      header: request.headers.get('x-custom'),
      body: await request.text(),
      url: request.url,
    },
  }),
});

app.http('broken', {
  route: 'broken',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => {
    throw new Error('broken on purpose');
  },
});
