// Every workflow the workers register; the bundler starts from this file.
export { deleteDocument } from './deletion';
export { ingestDocument } from './ingest';
