// The backend names alone, without TensorFlow.js: config validation and --help read them (src/models/backend.ts
// loads and chooses backends).
/**
 * The backends, fastest first: the order `backend: auto` tries them in (backend.ts). `native` is skiptrain's own
 * CPU engine (src/kernels/native), with tfjs-wasm beneath it for the models it has no kernels for; the others are
 * TensorFlow.js backends.
 */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'webgpu', 'native', 'tensorflow', 'wasm', 'cpu'] as const;
export type ConcreteBackend = (typeof BACKEND_PREFERENCE)[number];
export type Backend = 'auto' | ConcreteBackend;
/** What `backend` (and --backend) accepts. */
export const BACKEND_CHOICES: readonly Backend[] = ['auto', ...BACKEND_PREFERENCE];
