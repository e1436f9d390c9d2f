/** Baked in by @rollup/plugin-replace (and vitest's `define`): dead branches vanish from the build. */

/** The build includes the extras (outbound links, downloads, 404, engagement). */
declare const __EXTRAS__: boolean;
/** The build is a CDN script: npm-only options (beforeSend, autoPageviews) are left out. */
declare const __CDN__: boolean;
