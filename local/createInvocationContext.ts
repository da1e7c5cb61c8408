import { randomUUID } from 'node:crypto';
import { InvocationContext, type RetryContext, type TriggerMetadata } from '@azure/functions';
import type { LocalLogger } from './localLogger';

export interface LocalInvocationOptions {
  functionName: string;
  triggerType: string;
  logger: LocalLogger;
  triggerMetadata?: TriggerMetadata;
  retryContext?: RetryContext;
}

/** The same `InvocationContext` the Functions worker builds, with logs routed to the local console. */
export function createInvocationContext(options: LocalInvocationOptions): InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName: options.functionName,
    logHandler: (level, ...args) => options.logger.log(level, options.functionName, ...args),
    ...(options.triggerMetadata === undefined ? {} : { triggerMetadata: options.triggerMetadata }),
    ...(options.retryContext === undefined ? {} : { retryContext: options.retryContext }),
    options: { trigger: { type: options.triggerType, name: `${options.triggerType}Trigger` } },
  });
}
