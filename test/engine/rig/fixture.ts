/**
 * The jest side of the rig: `describeEngine` starts one rig for a test file's scenarios and stops it after them,
 * whatever happened in between. Where the engine cannot run, the scenarios are reported as skipped with the reason.
 * With ENGINE_RECORD=1 each test's exchanges with the engine are written to test/recordings/.
 */
import type { FakeOpenAIServer } from '../../../scripts/stub-model/fakeOpenAIServer';
import { engineAvailability } from './dotnet';
import { EngineRig, type EngineRigOptions } from './engineRig';
import { recordingName, recordingEnabled } from './recorder';

export interface EngineFixture {
  /** The running rig; only inside tests and hooks. */
  readonly rig: EngineRig;
}

/** The loopback model a rig starts for the app: an Azure OpenAI resource with one deployment, "chat". */
export const loopbackModel = { apiKey: 'engine-azure-openai-key-0123456789', deployments: ['chat'] };

/** The app's settings that point it at the rig's loopback model (`settings` of EngineRigOptions). */
export function loopbackModelSettings(model: FakeOpenAIServer | undefined): Record<string, string> {
  if (model === undefined) throw new Error('the rig was started without its loopback model (options.model)');
  return {
    AZURE_OPENAI_ENDPOINT: model.azureEndpoint,
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
    AZURE_OPENAI_API_KEY: loopbackModel.apiKey,
    OPENAI_BASE_URL: '',
  };
}

const startTimeoutMs = 180_000;
const stopTimeoutMs = 60_000;

export function describeEngine(
  title: string,
  options: EngineRigOptions,
  define: (fixture: EngineFixture) => void,
): void {
  const availability = engineAvailability();
  if (!availability.available) {
    const skipped: EngineFixture = {
      get rig(): EngineRig {
        throw new Error(`the engine tests are skipped: ${availability.reason}`);
      },
    };
    describe.skip(`${title} [skipped: ${availability.reason}]`, () => {
      define(skipped);
    });
    return;
  }

  describe(title, () => {
    let rig: EngineRig | undefined;
    let mark = 0;
    let modelMark = 0;
    const fixture: EngineFixture = {
      get rig(): EngineRig {
        if (!rig) throw new Error('the engine rig did not start; see the error from beforeAll');
        return rig;
      },
    };

    beforeAll(async () => {
      rig = await EngineRig.start(options);
    }, startTimeoutMs);

    afterAll(async () => {
      await rig?.stop();
    }, stopTimeoutMs);

    beforeEach(() => {
      mark = rig?.recorder.mark() ?? 0;
      modelMark = rig?.model?.requests.length ?? 0;
    });

    afterEach(() => {
      if (!recordingEnabled || !rig || options.record === false) return;
      const test = expect.getState().currentTestName ?? 'unnamed';
      const model = (rig.model?.requests ?? []).slice(modelMark).map((request) => ({
        systemPrompt: request.systemPrompt,
        userMessage: request.lastUserMessage,
        answered: request.answered,
        ...(request.toolCalls === undefined ? {} : { toolCalls: request.toolCalls }),
      }));
      const name = `${options.name}--${recordingName(test.slice(title.length))}`;
      // The run's settings, less the model's address and key, which a replay supplies itself.
      const settings = Object.fromEntries(
        Object.entries(options.settings?.(rig.model) ?? {}).filter(
          ([key]) =>
            !['AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY'].includes(
              key,
            ),
        ),
      );
      rig.recorder.writeRecording({ name, test, app: options.entry, model, settings }, mark);
    });

    define(fixture);
  });
}
