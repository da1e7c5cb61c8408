import { HttpRequest, InvocationContext } from '@azure/functions';

/** A request as the Functions host hands it to a handler. */
export function httpRequest(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; params?: Record<string, string>; body?: string } = {},
): HttpRequest {
  return new HttpRequest({
    method,
    url: `http://127.0.0.1:7071${path}`,
    headers: init.headers ?? {},
    params: init.params ?? {},
    ...(init.body === undefined ? {} : { body: { string: init.body } }),
  });
}

/** An invocation context whose log lines are kept for assertions. */
export function invocationContext(functionName: string): InvocationContext & { logs: { level: string; message: string }[] } {
  const logs: { level: string; message: string }[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: `test-${functionName}`,
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
  return Object.assign(context, { logs });
}
