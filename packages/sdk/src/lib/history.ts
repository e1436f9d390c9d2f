/** Calls `onChange` after history.pushState / replaceState (which fire no event). */
export const patchHistory = (method: 'pushState' | 'replaceState', onChange: (_?: unknown) => void): void => {
  const original = history[method];
  // (The original's result, always undefined, is passed only to call it first in fewer bytes.)
  history[method] = (...args: Parameters<History['pushState']>) => onChange(original.apply(history, args));
};
