import { copyFile, mkdir } from 'node:fs/promises';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

/** Copies the static files beside the bundle. */
const copyStatic = (files) => ({
  name: 'copy-static',
  async writeBundle() {
    await mkdir('dist', { recursive: true });
    await Promise.all(files.map((f) => copyFile(`src/${f}`, `dist/${f}`)));
  },
});

export default {
  input: 'src/main.ts',
  output: { file: 'dist/main.js', format: 'es' },
  plugins: [resolve(), typescript({ tsconfig: './tsconfig.build.json' }), terser(), copyStatic(['index.html'])],
};
