import type { HostApi } from '../host/api.js';
import { ActionInputSchema, type ActionOutput } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';
import { PLUGIN_VERSION } from '../version.js';

export function actionImpl(input: unknown, host: HostApi): ActionOutput {
  const req = parse(ActionInputSchema, input, 'action input');
  switch (req.action) {
    case 'status':
      return {
        ok: true,
        message: `Trakt plugin ${PLUGIN_VERSION}`,
        data: { version: PLUGIN_VERSION, api: '1', capabilities: [...host.granted] },
      };
    default:
      return { ok: false, message: `unknown action "${req.action}"` };
  }
}
