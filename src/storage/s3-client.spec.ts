import { StorageUnavailableError } from 'src/storage/storage.errors';
import { asStorageError, isStoreUnavailable } from 'src/storage/s3-client';

const answered = (status: number, name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const network = (code: string) =>
  Object.assign(new Error(`connect ${code} 10.0.0.9:9000`), { code });

describe('isStoreUnavailable', () => {
  it.each([
    ['a refused connection', network('ECONNREFUSED')],
    ['a connection reset', network('ECONNRESET')],
    ['an unknown host', network('ENOTFOUND')],
    ['a name server away', network('EAI_AGAIN')],
    ['the SDK’s timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['a bound of ours', Object.assign(new Error('Request aborted'), { name: 'AbortError' })],
    ['503 SlowDown', answered(503, 'SlowDown')],
    ['500 InternalError', answered(500, 'InternalError')],
    ['504 from a proxy', answered(504, 'GatewayTimeout')],
    ['a cause that is one', new Error('wrapped', { cause: network('ECONNRESET') })],
    [
      'an error wrapped by the SDK',
      new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED'),
    ],
  ])('says yes to %s', (_what, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
    expect(asStorageError(error)).toBeInstanceOf(StorageUnavailableError);
    expect((asStorageError(error) as Error).cause).toBe(error);
  });

  it.each([
    ['403 AccessDenied (a setting to put right)', answered(403, 'AccessDenied')],
    ['404 NoSuchKey', answered(404, 'NoSuchKey')],
    ['412 PreconditionFailed', answered(412, 'PreconditionFailed')],
    ['501 NotImplemented (a server lacking a feature)', answered(501, 'NotImplemented')],
    [
      'a client gone mid-upload',
      Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }),
    ],
    ['nothing at all', undefined],
  ])('says no to %s', (_what, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
    expect(asStorageError(error)).toBe(error);
  });
});
