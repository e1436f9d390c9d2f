import resolve from '@rollup/plugin-node-resolve';
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
    // The extras' options object never leaves the CDN bundle, so its property names can
    // shrink too (not `engagement`: the loader also reads data-engagement as dataset.engagement).
    mangle: {
      toplevel: true,
      properties: { builtins: true, regex: /^(outboundLinks|fileDownloads|notFound)$/ },
    },
    format: { comments: false, wrap_func_args: false },
  });

/**
 * After terser: `let` for `const` (same scoping, two bytes less each; before terser it
 * would hide which values are constant), neighbouring declarations joined into one,
 * and the script as a plain block, `{…}`, instead of a function wrapper: its
 * declarations stay scoped to it (a page that loads the script twice gets no
 * redeclaration error), twelve bytes fewer.
 */
const block = () => ({
  name: 'block',
  renderChunk(code) {
    code = edit(code, this.parse(code), (node, edits) => {
      if (node.type == 'VariableDeclaration' && node.kind == 'const') edits.push([node.start, node.start + 5, 'let']);
    });
    code = edit(code, this.parse(code), (node, edits) => {
      node.body?.forEach?.((next, i) => {
        const previous = node.body[i - 1];
        // `…;let x` → `…,x` (the end of a declaration includes its semicolon)
        if (previous?.kind == 'let' && next.kind == 'let' && code[previous.end - 1] == ';')
          edits.push([previous.end - 1, next.start + (code[next.start + 3] == ' ' ? 4 : 3), ',']);
      });
    });
    return '{' + code.trim().replace(/;$/, '') + '}';
  },
});

/** Applies the [start, end, text] edits that `visit` finds on the AST nodes. */
const edit = (code, ast, visit) => {
  const edits = [];
  const walk = (node) => {
    visit(node, edits);
    for (const value of Object.values(node)) {
      if (value && typeof value == 'object') (Array.isArray(value) ? value : [value]).forEach((n) => n && walk(n));
    }
  };
  walk(ast);
  for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) code = code.slice(0, start) + text + code.slice(end);
  return code;
};

const cdn = (file, extras) => ({
  input: 'src/loader.ts',
  output: { file, format: 'es', strict: false },
  plugins: [
    flags({ __EXTRAS__: extras, __CDN__: true }),
    resolve(),
    typescript({ tsconfig: './tsconfig.build.json' }),
    squeeze(),
    block(),
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
      // The contract is bundled in: the published package has no dependency on it.
      resolve(),
      typescript({ tsconfig: './tsconfig.build.json', declaration: true, declarationDir: 'dist', rootDir: 'src' }),
    ],
  },
];
