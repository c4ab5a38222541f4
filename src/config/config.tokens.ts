/** Injection tokens for values that are not classes. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
