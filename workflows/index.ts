// Every workflow the workers register; the bundler starts from this file.
export { ingestDocument } from './ingest';
