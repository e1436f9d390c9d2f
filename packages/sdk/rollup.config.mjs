import replace from '@rollup/plugin-replace';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

/** Build-time constants (src/build-flags.d.ts): what a build leaves out costs no bytes. */
const flags = (values) =>
  replace({
    preventAssignment: true,
    values: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, JSON.stringify(value)])),
  });

/** Every byte of the CDN script is paid on every page view: squeeze it. */
const squeeze = () =>
  terser({
    ecma: 2020,
    compress: {
      passes: 3,
      toplevel: true,
      pure_getters: true,
      unsafe: true,
      unsafe_arrows: true,
      unsafe_comps: true,
      unsafe_math: true,
      unsafe_methods: true,
      booleans_as_integers: true,
    },
    // The options object never leaves the CDN bundle, so its property names can shrink too.
    mangle: {
      toplevel: true,
      properties: {
        builtins: true,
        regex: /^(siteId|endpoint|allowLocalhost|hashRouting|respectDnt|outboundLinks|fileDownloads|engagement|notFound)$/,
      },
    },
    format: { comments: false, wrap_func_args: false },
  });

const cdn = (file, extras) => ({
  input: 'src/loader.ts',
  output: { file, format: 'iife', strict: false },
  plugins: [
    flags({ __EXTRAS__: extras, __CDN__: true }),
    typescript({ tsconfig: './tsconfig.build.json' }),
    squeeze(),
  ],
});

export default [
  cdn('dist/cdn/liveinsight.js', false),
  cdn('dist/cdn/liveinsight.ext.js', true),
  {
    input: 'src/index.ts',
    output: [
      { file: 'dist/index.js', format: 'es' },
      { file: 'dist/index.cjs', format: 'cjs' },
    ],
    plugins: [
      flags({ __EXTRAS__: true, __CDN__: false }),
      typescript({ tsconfig: './tsconfig.build.json', declaration: true, declarationDir: 'dist', rootDir: 'src' }),
    ],
  },
];
