// The panel page: plain modern JS, no build step. Every text from the server goes through textContent.
'use strict';

const keyStorage = 'panel.functionKey';
const api = (path) => new URL(path, new URL('.', location.href)).href;
// Status and stream URLs come absolute from the app; only their path is used, so the page stays same-origin.
const sameOrigin = (uri) => {
  const url = new URL(uri, location.href);
  return new URL(url.pathname + url.search, location.origin).href;
};
const $ = (selector, root = document) => root.querySelector(selector);

const ui = {
  keyForm: $('#key-form'),
  keyInput: $('#key-input'),
  askForm: $('#ask-form'),
  prompt: $('#prompt'),
  picker: $('#picker'),
  pickerStatus: $('#picker-status'),
  ask: $('#ask'),
  error: $('#error'),
  runStatus: $('#run-status'),
  columns: $('#columns'),
  synthesis: $('#synthesis'),
  template: $('#column-template'),
};

class KeyNeeded extends Error {}

function showError(message) {
  ui.error.textContent = message;
}

function headers(extra = {}) {
  const key = sessionStorage.getItem(keyStorage);
  return key ? { ...extra, 'x-functions-key': key } : extra;
}

/** A call to the app; 401 asks for the key once, other errors come back in the app's own words. */
async function call(url, init = {}) {
  const response = await fetch(url, { ...init, headers: headers(init.headers) });
  if (response.status === 401) {
    const hadKey = sessionStorage.getItem(keyStorage) !== null;
    sessionStorage.removeItem(keyStorage);
    ui.keyForm.hidden = false;
    ui.keyInput.focus();
    throw new KeyNeeded(
      hadKey
        ? 'The function key was refused (401). Enter the app’s function key again.'
        : 'This app needs its function key (401). Enter it above.',
    );
  }
  const text = await response.text();
  let body;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const message = body?.error?.message ?? `The app answered ${response.status}.`;
    throw new Error(message);
  }
  return { response, body };
}

// ---- the picker ----

async function loadAgents() {
  try {
    const { body } = await call(api('agents'));
    ui.pickerStatus.remove();
    for (const agent of body.agents) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'agent';
      box.value = agent.name;
      box.checked = agent.inDefaultPanel;
      label.append(box, agent.name);
      label.title = agent.instructions;
      ui.picker.append(label);
    }
    showError('');
  } catch (error) {
    ui.pickerStatus.textContent = 'The agents could not be loaded.';
    showError(error.message);
  }
}

// ---- columns ----

const columns = new Map();

function column(agent) {
  let entry = columns.get(agent);
  if (entry) return entry;
  const node = ui.template.content.firstElementChild.cloneNode(true);
  node.dataset.agent = agent;
  $('.agent-name', node).textContent = agent;
  const followUp = $('.follow-up', node);
  $('textarea', followUp).setAttribute('aria-label', `Follow-up for ${agent}`);
  entry = {
    node,
    state: $('.state', node),
    text: $('.text', node),
    meta: $('.meta', node),
    followUps: $('.follow-ups', node),
    followUp,
    startedAt: performance.now(),
    threadId: undefined,
  };
  followUp.addEventListener('submit', (event) => {
    event.preventDefault();
    void askFollowUp(agent, entry);
  });
  sendOnCtrlEnter($('textarea', followUp), followUp);
  ui.columns.append(node);
  columns.set(agent, entry);
  return entry;
}

const stateWords = {
  waiting: 'Waiting',
  answering: 'Answering…',
  calling_tool: 'Calling a tool',
  retrying: 'Retrying',
  answered: 'Answered',
  failed: 'Failed',
  timed_out: 'Timed out',
};

/** An answer that called tools: its attempts also count the model calls after tool rounds, so name the tools. */
function toolWords(answer) {
  return `${stateWords.answered} (tools: ${answer.tools.join(', ')})`;
}

function setState(entry, progress) {
  entry.node.dataset.state = progress.state;
  if (progress.state === 'answered' && entry.toolAnswer) {
    entry.state.textContent = toolWords(entry.toolAnswer);
    return;
  }
  let words = stateWords[progress.state] ?? progress.state;
  if (progress.state === 'calling_tool' && progress.tool) words += `: ${progress.tool}`;
  if (progress.state === 'retrying' && progress.nextAttemptAt) {
    words += ` at ${new Date(progress.nextAttemptAt).toLocaleTimeString()}`;
  }
  // While it works, only a retry names its attempt (a turn's attempts also count its calls after tool rounds);
  // once it has ended, how many calls it took.
  const code = progress.code ?? progress.lastErrorCode;
  const working = progress.state === 'answering' || progress.state === 'calling_tool';
  if (code || progress.state === 'retrying' || (!working && progress.attempt > 1)) {
    words += ` (attempt ${progress.attempt}${progress.maxAttempts ? ` of ${progress.maxAttempts}` : ''})`;
  }
  if (code && progress.state !== 'answered') words += ` — ${code}`;
  entry.state.textContent = words;
}

function showAnswer(entry, answer) {
  entry.text.textContent = answer.answer;
  if (answer.toolCalls > 0 && Array.isArray(answer.tools)) {
    entry.toolAnswer = answer;
    setState(entry, { state: 'answered', attempt: answer.attempts });
  }
  const seconds = ((performance.now() - entry.startedAt) / 1000).toFixed(1);
  const usage = answer.usage;
  entry.meta.textContent = usage
    ? `${usage.totalTokens} tokens (${usage.inputTokens} in, ${usage.outputTokens} out), ${seconds} s`
    : `${seconds} s`;
  if (answer.threadId) {
    entry.threadId = answer.threadId;
    entry.followUp.hidden = false;
  }
}

// ---- a run ----

async function askPanel(event) {
  event.preventDefault();
  showError('');
  const prompt = ui.prompt.value.trim();
  if (prompt === '') {
    showError('Type a question first: the prompt is empty.');
    ui.prompt.focus();
    return;
  }
  const agents = [...ui.picker.querySelectorAll('input[name=agent]:checked')].map((box) => box.value);
  ui.ask.disabled = true;
  try {
    const { body } = await call(api('multiagent/run'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(agents.length > 0 ? { prompt, agents } : { prompt }),
    });
    ui.columns.replaceChildren();
    columns.clear();
    ui.synthesis.hidden = true;
    $('.text', ui.synthesis).textContent = '';
    for (const agent of body.agents) setState(column(agent), { state: 'waiting', attempt: 1 });
    ui.runStatus.textContent = `Asking ${body.agents.join(' and ')}…`;
    if (body.streamUri) await followStream(sameOrigin(body.streamUri));
    else await pollStatus(sameOrigin(body.statusUri));
  } catch (error) {
    showError(error.message);
  } finally {
    ui.ask.disabled = false;
  }
}

/** Today's path: the status URL, polled as its Retry-After says. */
async function pollStatus(statusUri) {
  for (;;) {
    const { response, body } = await call(statusUri);
    for (const progress of body.agents ?? []) {
      const entry = column(progress.agent);
      if (entry.node.dataset.state !== 'answered') setState(entry, progress);
    }
    for (const answer of body.output?.answers ?? []) {
      const entry = column(answer.agent);
      setState(entry, { state: 'answered', attempt: answer.attempts });
      showAnswer(entry, answer);
    }
    for (const failure of body.output?.failures ?? []) {
      setState(column(failure.agent), { state: 'failed', attempt: failure.attempts, code: failure.code });
      column(failure.agent).text.textContent = failure.message;
    }
    if (body.runtimeStatus !== 'Running' && body.runtimeStatus !== 'Pending') {
      finish(body.runtimeStatus, body.output?.summary, body.error);
      return;
    }
    const wait = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 0.25), 2) * 1000));
  }
}

function finish(runtimeStatus, summary, error) {
  if (runtimeStatus === 'Failed') {
    const why = typeof error === 'string' ? error : (error?.message ?? '');
    showError(`No agent answered. ${why}`.trim());
    ui.runStatus.textContent = 'The run failed.';
    return;
  }
  ui.runStatus.textContent = summary ?? `The run ended: ${runtimeStatus}.`;
}

/**
 * Phase 2's path: the run's event stream, read with fetch (EventSource cannot send the key header). A dropped
 * connection resumes with Last-Event-ID.
 */
async function followStream(streamUri) {
  let lastEventId;
  for (let tries = 0; tries < 20; tries += 1) {
    let response;
    try {
      response = await fetch(streamUri, {
        headers: headers({
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        }),
      });
    } catch {
      // The network is away (a reconnect too early): wait and try again from the same id.
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    if (!response.ok || !response.body) throw new Error(`The stream answered ${response.status}.`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          const parsed = parseBlock(block);
          if (!parsed) continue;
          if (parsed.id) lastEventId = parsed.id;
          if (applyEvent(parsed.event, JSON.parse(parsed.data))) return;
        }
      }
    } catch {
      // The connection dropped: reconnect from the last id.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('The stream kept dropping; reload the page to see the result.');
}

function parseBlock(block) {
  let id;
  let event = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { id, event, data: data.join('\n') } : undefined;
}

/** Applies one event; true once the run is done. */
function applyEvent(event, data) {
  switch (event) {
    case 'progress':
      setState(column(data.agent), data);
      return false;
    case 'delta':
      column(data.agent).text.append(data.text);
      return false;
    case 'reset':
      column(data.agent).text.textContent = '';
      return false;
    case 'answer':
      showAnswer(column(data.agent), data);
      return false;
    case 'synthesis':
      ui.synthesis.hidden = false;
      $('.text', ui.synthesis).append(data.text);
      return false;
    case 'done':
      // A failed run's summary names every agent and why; the codes alone when it has none.
      finish(
        data.runtimeStatus,
        data.summary,
        data.summary ?? data.failed?.map((failure) => `${failure.agent}: ${failure.code}`).join('; '),
      );
      return true;
    default:
      return false;
  }
}

// ---- follow-ups ----

async function askFollowUp(agent, entry) {
  const box = $('textarea', entry.followUp);
  const message = box.value.trim();
  showError('');
  if (message === '') {
    showError(`Type a follow-up for ${agent} first: it is empty.`);
    box.focus();
    return;
  }
  const button = $('button', entry.followUp);
  button.disabled = true;
  const item = document.createElement('li');
  item.textContent = `You: ${message}`;
  entry.followUps.append(item);
  try {
    let { body } = await call(api(`agents/${encodeURIComponent(agent.toLowerCase())}/run`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, threadId: entry.threadId }),
    });
    while (body.answer === undefined && body.statusUri) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      ({ body } = await call(sameOrigin(body.statusUri)));
    }
    const reply = document.createElement('li');
    reply.className = 'follow-up-answer';
    reply.setAttribute('aria-live', 'polite');
    reply.textContent = `${agent}: ${body.answer}`;
    entry.followUps.append(reply);
    entry.threadId = body.threadId;
    box.value = '';
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
  }
}

function sendOnCtrlEnter(textarea, form) {
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

// ---- start ----

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (key === '') return;
  sessionStorage.setItem(keyStorage, key);
  ui.keyInput.value = '';
  ui.keyForm.hidden = true;
  showError('');
  if (columns.size === 0 && ui.picker.querySelector('input') === null) void loadAgents();
  ui.prompt.focus();
});
ui.askForm.addEventListener('submit', (event) => void askPanel(event));
sendOnCtrlEnter(ui.prompt, ui.askForm);
void loadAgents();
