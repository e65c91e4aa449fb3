import express, { type Request } from 'express';
import { MissionflowError } from '../domain/errors';
import type { Admission, Admitted, IntakeDetails } from '../services/admission';
import type { CartridgeVersion } from '../stores/relational/cartridges';
import { externalId, jsonIntake, multipartFields } from './routes/document-schemas';
import { readMultipart } from './uploads';
import { validate } from './validation';

/**
 * A document upload in any of its three forms, read and admitted: multipart (field `file`), JSON
 * (`{ "text", ... }`), or any other content type as the document's own bytes (curl --data-binary).
 * The bytes stream into the blob store within the mission's size limit as they arrive.
 */
export async function admitFromRequest(
  req: Request,
  admission: Admission,
  cartridge: CartridgeVersion,
): Promise<Admitted> {
  const maxBytes = admission.maxBytesFor(cartridge);
  if (req.is('multipart/form-data')) return admitMultipart(req, admission, cartridge, maxBytes);
  if (req.is('application/json')) return admitJson(req, admission, cartridge, maxBytes);
  // Any other content type: the body is the document itself.
  const title = typeof req.query.title === 'string' ? req.query.title.slice(0, 500) : null;
  const rawExternalId =
    req.query.externalId === undefined ? undefined : validate(externalId, req.query.externalId, 'externalId');
  const declaredType = req.headers['content-type'] ?? null;
  const stored = await admission.storeStream(cartridge.missionId, req, maxBytes, { declaredType });
  return admission.admit(cartridge, stored, {
    externalId: rawExternalId ?? null,
    title,
    metadata: {},
    declaredType,
    filename: null,
  });
}

async function admitMultipart(
  req: Request,
  admission: Admission,
  cartridge: CartridgeVersion,
  maxBytes: number,
): Promise<Admitted> {
  const upload = await readMultipart(req, maxBytes, (file, hints) =>
    admission.storeStream(cartridge.missionId, file, maxBytes, hints),
  );
  const fields = validate(multipartFields, upload.fields, 'form');
  const details: IntakeDetails = {
    externalId: fields.externalId ?? null,
    title: fields.title ?? null,
    metadata: parseMetadata(fields.metadata),
    declaredType: fields.mediaType ?? upload.declaredType,
    filename: upload.filename,
  };
  return admission.admit(cartridge, upload.stored, details);
}

async function admitJson(
  req: Request,
  admission: Admission,
  cartridge: CartridgeVersion,
  maxBytes: number,
): Promise<Admitted> {
  // The JSON envelope may add escapes and fields, not a second document's worth of memory.
  await runParser(express.json({ limit: maxBytes + 1024 * 1024, strict: true }), req);
  const body = validate(jsonIntake, req.body, 'body');
  const details: IntakeDetails = {
    externalId: body.externalId ?? null,
    title: body.title ?? null,
    metadata: body.metadata ?? {},
    declaredType: body.mediaType ?? 'text/plain',
    filename: null,
  };
  const stored = await admission.storeBytes(cartridge.missionId, Buffer.from(body.text, 'utf8'), maxBytes, {
    ...details,
    declaredTextIsAuthoritative: true,
  });
  return admission.admit(cartridge, stored, details);
}

function parseMetadata(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MissionflowError('invalid_request', 'metadata must be a JSON object', [
      { path: 'metadata', message: 'must be a JSON object' },
    ]);
  }
  return parsed as Record<string, unknown>;
}

function runParser(parser: express.RequestHandler, req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(req, req.res as express.Response, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}
