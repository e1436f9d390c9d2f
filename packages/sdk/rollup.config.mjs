import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

export default [
  {
    input: 'src/cdn.ts',
    output: { file: 'dist/cdn/liveinsight.js', format: 'iife' },
    plugins: [typescript({ tsconfig: './tsconfig.build.json' }), terser()],
  },
  {
    input: 'src/index.ts',
    output: [
      { file: 'dist/index.js', format: 'es' },
      { file: 'dist/index.cjs', format: 'cjs' },
    ],
    plugins: [typescript({ tsconfig: './tsconfig.build.json', declaration: true, declarationDir: 'dist', rootDir: 'src' })],
  },
];
