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

/**
 * zlib's errors while inflating a gzip/deflate body (Z_DATA_ERROR, Z_BUF_ERROR, ...) and its
 * brotli decoder's (ERR__ERROR_FORMAT_PADDING_2, ERR_BROTLI_..., all with a negative errno).
 */
function isDecompressionError(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  if (typeof code !== 'string' || typeof errno !== 'number') return false;
  return code.startsWith('Z_') || code.startsWith('ERR__ERROR_') || code.startsWith('ERR_BROTLI');
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
  if (isDecompressionError(error)) {
    return new BadRequestError('invalid_body_encoding', 'The body is not valid data for its Content-Encoding.');
  }
  if (error instanceof URIError) return new BadRequestError('invalid_url', 'The URL holds malformed percent-encoding.');
  const status = http.status ?? http.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'bad_request', 'The request could not be understood.');
  }
  if (isUnavailable(error)) return new ServiceUnavailableError(undefined, error);
  return undefined;
}

/** Headers a page may read on a public API answer: when to retry, a replay, the id to quote to support. */
export const PUBLIC_EXPOSED_HEADERS = 'Retry-After, Idempotent-Replayed, X-Request-Id';

/**
 * A public API error raised before the origin check (a body too large or unreadable, an unknown
 * encoding, a malformed URL) must still be readable by the page that posted it: otherwise the
 * browser reports a network error and the widget retries a hopeless request for ever. As with a
 * missing form's 404, nothing in these answers is private to the form's sites.
 */
function letPageRead(req: Request, res: Response): void {
  const origin = req.headers.origin;
  if (!origin || !req.path.startsWith('/v1/') || res.hasHeader('Access-Control-Allow-Origin')) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', PUBLIC_EXPOSED_HEADERS);
  res.vary('Origin');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next) => {
    if (res.headersSent) return next(error);
    letPageRead(req, res);
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
