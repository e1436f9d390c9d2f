/** Calls `onChange` after history.pushState / replaceState (which fire no event). */
export const patchHistory = (method: 'pushState' | 'replaceState', onChange: () => void): void => {
  const original = history[method];
  history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
    original.apply(this, args);
    onChange();
  };
};
