// @rtip/testkit: the test plumbing every package shares, so no suite keeps a copy of its own.

export * from './distance.js';
export * from './health.js';
export * from './multipart.js';
export * from './ports.js';
export * from './raw.js';
export * from './start-script.js';
