import { AbortError, ErrorResponse, RestError, TimeoutError } from '@azure/cosmos';
import { isTransientStoreError, TransientStoreError } from '../../../shared/store/transientFaults';

/** An error as RequestHandler builds it from an HTTP answer: the status as numeric `code`, maybe a substatus. */
function cosmosError(status: number, substatus?: number): ErrorResponse {
  const error = new ErrorResponse(`status ${status}`);
  error.code = status;
  if (substatus !== undefined) error.substatus = substatus;
  return error;
}

/** An error as the core pipeline's Node HTTP client builds it when a socket fails. */
function socketError(code: string, message = 'connect failed'): RestError {
  return new RestError(message, { code });
}

describe('isTransientStoreError', () => {
  it.each([
    [408, 'request timeout'],
    [410, 'gone (partition moved)'],
    [429, 'throttled after the SDK retries'],
    [449, 'retry with'],
    [503, 'service unavailable'],
  ])('when Cosmos answers %i (%s), then it is transient', (status) => {
    expect(isTransientStoreError(cosmosError(status))).toBe(true);
  });

  it.each([
    [400, 'bad request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not found'],
    [409, 'conflict'],
    [412, 'precondition failed'],
    [413, 'entity too large'],
    [500, 'internal server error'],
  ])('when Cosmos answers %i (%s), then it is not transient', (status) => {
    expect(isTransientStoreError(cosmosError(status))).toBe(false);
  });

  it('when a read session is not yet available (404/1002), then it is transient, unlike a plain 404', () => {
    expect(isTransientStoreError(cosmosError(404, 1002))).toBe(true);
    expect(isTransientStoreError(cosmosError(404, 0))).toBe(false);
  });

  it('when writes are forbidden during a failover (403/3), then it is transient, unlike a plain 403', () => {
    expect(isTransientStoreError(cosmosError(403, 3))).toBe(true);
    expect(isTransientStoreError(cosmosError(403, 5))).toBe(false);
  });

  it('when the 413 is a query response too large (3402), then it is still not transient', () => {
    expect(isTransientStoreError(cosmosError(413, 3402))).toBe(false);
  });

  it('when the status comes as a numeric string, then it is classified like the number', () => {
    const error = new ErrorResponse('throttled');
    error.code = '429';
    expect(isTransientStoreError(error)).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'REQUEST_SEND_ERROR', 'PARSE_ERROR'])(
    'when the request fails with connection error %s, then it is transient',
    (code) => {
      expect(isTransientStoreError(socketError(code))).toBe(true);
    },
  );

  it('when a pipeline error carries a transient HTTP statusCode, then it is transient', () => {
    expect(isTransientStoreError(new RestError('unavailable', { statusCode: 503 }))).toBe(true);
    expect(isTransientStoreError(new RestError('bad', { statusCode: 400 }))).toBe(false);
  });

  it("when the SDK's request timeout fires, then the TimeoutError is transient", () => {
    expect(isTransientStoreError(new TimeoutError())).toBe(true);
  });

  it('when the call is aborted, then the AbortError is transient (the work did not finish, the data was not refused)', () => {
    expect(isTransientStoreError(new AbortError('aborted'))).toBe(true);
    expect(isTransientStoreError(new DOMException('aborted', 'AbortError'))).toBe(true);
  });

  it('when only the message says "socket hang up", then it is transient', () => {
    expect(isTransientStoreError(new Error('socket hang up'))).toBe(true);
  });

  it('when an HTTP answer is final, then a message mentioning a hang-up does not make it transient', () => {
    const error = cosmosError(400);
    error.message = 'socket hang up in the payload';
    expect(isTransientStoreError(error)).toBe(false);
  });

  it('when a transient error is wrapped as a cause, however deep, then the wrapper is transient', () => {
    const wrapped = new Error('upsert failed', { cause: new Error('batch failed', { cause: cosmosError(429) }) });
    expect(isTransientStoreError(wrapped)).toBe(true);
  });

  it('when the cause is not transient, then neither is the wrapper', () => {
    expect(isTransientStoreError(new Error('upsert failed', { cause: cosmosError(409) }))).toBe(false);
  });

  it('when an AggregateError holds a transient error, then it is transient', () => {
    const connect = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' });
    expect(isTransientStoreError(new AggregateError([new Error('other'), connect]))).toBe(true);
    expect(isTransientStoreError(new AggregateError([new Error('other')]))).toBe(false);
  });

  it('when causes form a cycle, then the classification still ends', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    Object.assign(first, { cause: second });
    expect(isTransientStoreError(first)).toBe(false);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ECONNRESET'],
    ['a number', 429],
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('x is undefined')],
    ['an error with an unknown code', Object.assign(new Error('x'), { code: 'EACCES' })],
  ])('when the error is %s, then it is not transient', (_label, error) => {
    expect(isTransientStoreError(error)).toBe(false);
  });
});

describe('TransientStoreError', () => {
  it('when a caller wraps a fault, then it is transient, named, coded and keeps the cause', () => {
    const cause = cosmosError(503);
    const error = new TransientStoreError('Storing the batch failed', { cause });
    expect(isTransientStoreError(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TransientStoreError');
    expect(error.code).toBe('TransientStoreFault');
    expect(error.message).toBe('Storing the batch failed');
    expect(error.cause).toBe(cause);
  });

  it('when a caller marks a failure transient without a cause, then it is still transient', () => {
    expect(isTransientStoreError(new TransientStoreError('store not ready'))).toBe(true);
  });
});
