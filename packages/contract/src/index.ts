/**
 * The contract every package imports: the tracker (its constants, at build time), the
 * collector, the dashboard and the CDK app. One module per kind of rule.
 */
export * from './access.js';
export * from './cors.js';
export * from './labels.js';
export * from './limits.js';
export * from './routes.js';
export * from './values.js';
export type * from './wire.js';
