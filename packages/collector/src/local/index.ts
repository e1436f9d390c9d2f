export { startLocalStack, type LocalStack, type LocalStackOptions } from './server.js';
export { startDynalite, type EmbeddedStore } from './dynalite.js';
