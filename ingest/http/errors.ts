// The one error middleware: every failure leaves as {"error":{"code","message","fields"?}}.
// Body-parser errors become 400/413/415; database outages become 503 with Retry-After;
// anything unexpected is logged and answered 500 without details.

import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError, BadRequestError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError, UnsupportedMediaTypeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { renderErrorPage } from './html-pages.ts';
import './locals.ts';

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  limit?: number;
  code?: string;
  expose?: boolean;
}

// Errors from the pg driver or the network when the database is away.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

function isUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end/.test(message);
}

export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const http = (error ?? {}) as HttpError;
  switch (http.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(http.limit ?? 0);
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError('That Content-Encoding is not supported; send identity, gzip, deflate or br.');
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('That charset is not supported; send UTF-8.');
    case 'entity.parse.failed':
      return new BadRequestError('invalid_json', 'The body is not valid JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'entity.verify.failed':
      return new BadRequestError('invalid_body', 'The request body could not be read.');
  }
  if (typeof http.code === 'string' && http.code.startsWith('Z_')) {
    return new BadRequestError('invalid_body', 'The body is not valid data for its Content-Encoding.');
  }
  if (error instanceof URIError) return new BadRequestError('invalid_url', 'The URL holds malformed percent-encoding.');
  const status = http.status ?? http.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'bad_request', 'The request could not be understood.');
  }
  if (isUnavailable(error)) return new ServiceUnavailableError(undefined, error);
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next) => {
    if (res.headersSent) return next(error);
    const appError = toAppError(error);
    if (!appError) {
      logger.error({ err: error, reqId: res.locals.requestId, method: req.method, url: req.originalUrl }, 'unhandled error');
    } else if (appError.status >= 500) {
      logger.warn({ err: error, reqId: res.locals.requestId }, appError.message);
    }
    const answer = appError ?? new AppError(500, 'internal_error', 'Something went wrong on our side; it has been logged.');
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    res.status(answer.status);
    if (res.locals.respondWithHtml) {
      res.type('html').send(renderErrorPage(answer, res.locals.backUrl));
    } else {
      res.json(answer.toJSON());
    }
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError('not_found', `Nothing at ${req.method} ${req.path}.`));
};
