import resolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

/** The SPA example: its sources and @liveinsight/sdk (from npm, here the workspace) in one file. */
export default {
  input: 'spa/src/main.ts',
  output: { file: 'spa/build/app.js', format: 'es', sourcemap: true },
  plugins: [resolve({ browser: true }), typescript({ tsconfig: 'spa/tsconfig.json', outputToFilesystem: false })],
};
