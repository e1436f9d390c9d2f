/** How far down the page the viewport's bottom edge is, in percent (NaN when unknown). */
export const scrollDepth = (): number =>
  Math.min(100, Math.round(((scrollY + innerHeight) / document.documentElement.scrollHeight) * 100));
