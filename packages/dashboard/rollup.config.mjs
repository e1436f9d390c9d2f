import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const require = createRequire(import.meta.url);

/** Copies the static files beside the bundle. */
const copyStatic = (files) => ({
  name: 'copy-static',
  async writeBundle() {
    await mkdir('dist', { recursive: true });
    await Promise.all(files.map((f) => copyFile(`src/${f}`, `dist/${f}`)));
  },
});

/**
 * Writes one stylesheet: uPlot's own CSS first (the chart needs it), then ours so it can
 * override. Comments and indentation are dropped; nothing else is rewritten, so the
 * output stays exactly the CSS we wrote.
 */
const bundleCss = (sources, output) => ({
  name: 'bundle-css',
  async writeBundle() {
    const parts = await Promise.all(sources.map((file) => readFile(file, 'utf8')));
    const css = parts
      .join('\n')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\n\s+/g, '\n')
      .replace(/\n{2,}/g, '\n')
      .trim();
    await writeFile(output, `${css}\n`);
  },
});

export default {
  input: 'src/main.ts',
  output: { file: 'dist/main.js', format: 'es' },
  plugins: [
    resolve(),
    // The API's value lists come from the collector's source (one list for both sides).
    typescript({ tsconfig: './tsconfig.build.json', include: ['src/**/*.ts', '../collector/src/api-*.ts'] }),
    terser({ format: { comments: false } }),
    copyStatic(['index.html', 'config.json']),
    bundleCss([require.resolve('uplot/dist/uPlot.min.css'), 'src/styles.css'], 'dist/app.css'),
  ],
};
