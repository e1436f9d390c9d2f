/**
 * Whether the collector accepts a custom event, given as `[name, props ?? {}]` and
 * matched on its JSON: a name of 1–64 chars; props an object of ≤ 30 keys of 1–64
 * chars whose values are strings of ≤ 500 chars, finite numbers or booleans (NaN and
 * Infinity serialise as null; nested objects, arrays and null do not match: in JSON a
 * value other than a string starts with a digit, `-`, `t` or `f` exactly when it is a
 * number, true or false).
 * `\\.|[^"\\]` reads an escape sequence as the one char it stands for, and leaves one
 * way to match any input, so a failing match cannot backtrack for long.
 * A number the collector's store cannot keep is written as `[]`, so that it fails the
 * match: an integer past ±(2^53−1) (JSON.parse rounds it: a long order id arrives as
 * another id) and a non-zero magnitude below 1e-130 (DynamoDB refuses it). Squares keep
 * it short: only 0 squares below 1e-260 among integers, and no non-integer reaches
 * 2^106. The collector's `storableNumber` is the same rule.
 */
export const validEvent = (nameAndProps: [unknown, unknown]): boolean =>
  /^\["(\\.|[^"\\]){1,64}",\{("(\\.|[^"\\]){1,64}":("(\\.|[^"\\]){0,500}"|[\dtf-][^,}]*),?){0,30}\}\]$/.test(
    JSON.stringify(nameAndProps, (_, v) => (v === +v && (v * v < 1e-260 ? v : v * v >= 2 ** 106) ? [] : v)),
  );
