// @rtip/contract: HTTP contract v1 of the image service, the one source both services follow.

export * from './config.js';
export * from './contract-data.js';
export * from './deviations.js';
export * from './disposition.js';
export * from './equivalence.js';
export * from './errors.js';
export * from './geometry.js';
export * from './media.js';
export * from './metrics.js';
export * from './openapi.js';
export * from './options.js';
export * from './paths.js';
export * from './vectors.js';
