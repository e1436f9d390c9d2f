/**
 * What no stats key or CSV cell may hold: NUL, the C0 and C1 control characters and ANSI
 * escape sequences. A terminal that prints a key, or a spreadsheet that opens an export,
 * would act on them; nobody means them as part of a page or an event name.
 */
const ANSI_ESCAPE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[@-_]/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export const clean = (text: string): string => text.replace(ANSI_ESCAPE, '').replace(CONTROL, '');
