/** Display values that stand for "no value", shared by the writers and the readers. */
export const UNKNOWN = '(unknown)';
/** A session without an external referrer. */
export const DIRECT = '(direct)';
