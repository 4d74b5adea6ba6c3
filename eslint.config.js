// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ (DESIGN.md section 1), bottom to top. A module imports only from its own
 * layer or a lower one: these rules make a back-import fail `npm run lint`. `src/errors.ts` sits
 * below every layer; `src/index.ts` (the public API) above them all and is imported by none.
 */
const LAYERS = [
  'shared',
  'plan',
  'action',
  'planning',
  'persistence',
  'executor',
  'world',
  'testing',
  'flows',
  'tracker',
  'console',
  'cli',
];

/** One config per layer and folder depth: imports of higher layers or of the root index fail. */
function layerRules() {
  return LAYERS.flatMap((layer, index) => {
    const above = LAYERS.slice(index + 1);
    return [1, 2, 3].map((depth) => {
      const up = '\\.\\./'.repeat(depth);
      const patterns = [
        {
          regex: `^${up}index\\.js$`,
          message: 'Only the public entry imports src/index.ts; import the module itself.',
        },
      ];
      if (above.length > 0) {
        patterns.push({
          regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
          message: `src/${layer} is below ${above.join(', ')} (DESIGN.md section 1): import down the layers only.`,
        });
      }
      return {
        files: [`src/${layer}/${'*/'.repeat(depth - 1)}*.ts`],
        rules: { 'no-restricted-imports': ['error', { patterns }] },
      };
    });
  });
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      // Imports the built package ('flowline' → dist/), which lint runs before: checked by its test.
      'test/cli/fixtures/built-actions.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-confusing-void-expression': [
        'error',
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
      // Adapters implement an async interface; a method that happens not to await is fine.
      '@typescript-eslint/require-await': 'off',
      // SuspendSignal is a control-flow signal, deliberately not an Error.
      '@typescript-eslint/only-throw-error': [
        'error',
        { allow: [{ from: 'file', name: 'SuspendSignal' }] },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  ...layerRules(),
  {
    files: ['test/**', 'examples/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
