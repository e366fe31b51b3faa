/** Epoch milliseconds; injected so cache expiry is tested without sleeping. */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => number;
