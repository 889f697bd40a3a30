// One family of typed errors. Services throw them; one error middleware writes
// {"error":{"code","message","fields"?}} with the status. Anything else is a 500 and is logged.

export type ErrorFields = Record<string, string>;

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: ErrorFields | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { fields?: ErrorFields; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.fields = options.fields;
    this.headers = options.headers;
  }

  toJSON(): { error: { code: string; message: string; fields?: ErrorFields } } {
    return {
      error: this.fields
        ? { code: this.code, message: this.message, fields: this.fields }
        : { code: this.code, message: this.message },
    };
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string, fields?: ErrorFields) {
    super(400, code, message, fields ? { fields } : {});
  }
}

export class UnauthorizedError extends AppError {
  constructor(code = 'unauthorized', message = 'Sign in first.') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, message: string) {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

export class ValidationError extends AppError {
  constructor(fields: ErrorFields, message = 'Some fields need attention.') {
    super(422, 'validation_failed', message, { fields });
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later.') {
    super(429, 'rate_limited', message, { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'The service is briefly unavailable; try again shortly.', cause?: unknown) {
    super(503, 'service_unavailable', message, { headers: { 'Retry-After': '5' }, cause });
  }
}
