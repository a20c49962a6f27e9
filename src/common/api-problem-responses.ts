import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

export class FieldErrorDto {
  @ApiProperty({ example: 'version' })
  readonly field!: string;

  @ApiProperty({ example: 'version must look like 2020.1' })
  readonly message!: string;
}

/** RFC 9457 problem document, as every error of the API is written. */
export class ProblemResponse {
  @ApiProperty({ example: 'urn:problem:request.validation_failed' })
  readonly type!: string;

  @ApiProperty({ example: 'Bad Request' })
  readonly title!: string;

  @ApiProperty({ example: 400 })
  readonly status!: number;

  @ApiProperty()
  readonly detail!: string;

  @ApiProperty({ example: 'REQUEST.VALIDATION_FAILED', description: 'Stable error code' })
  readonly code!: string;

  @ApiPropertyOptional()
  readonly instance?: string;

  @ApiPropertyOptional({ description: 'Quote it when reporting a problem' })
  readonly requestId?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'One entry per invalid field' })
  readonly errors?: FieldErrorDto[];
}

/** Documents the problem+json answers a route may give. */
export function ApiProblemResponses(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemResponse),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: STATUS_CODES[status],
        content: {
          'application/problem+json': { schema: { $ref: getSchemaPath(ProblemResponse) } },
        },
      }),
    ),
  );
}
