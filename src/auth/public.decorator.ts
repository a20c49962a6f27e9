import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'isPublic';

/** The route is open to anyone, without a token. Every other route names the roles it admits. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
