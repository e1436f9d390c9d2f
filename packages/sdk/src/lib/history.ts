/** Calls `onChange` after history.pushState / replaceState (which fire no event). */
export const patchHistory = (method: 'pushState' | 'replaceState', onChange: () => void): void => {
  const original = history[method];
  history[method] = (...args: Parameters<History['pushState']>) => {
    original.apply(history, args);
    onChange();
  };
};
