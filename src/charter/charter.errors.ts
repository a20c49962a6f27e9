import { NotFoundError } from 'src/common/errors';

export class CharterVersionNotFoundError extends NotFoundError {
  constructor(version: string) {
    super('CHARTER.VERSION_NOT_FOUND', `Charter version ${version} does not exist`);
  }
}
