/**
 * Import rules, checked by `npm test` (npm run lint:imports): no import cycle between files, and no folder
 * imports a folder above it in `layers`, which also rules out every cycle between folders. docs/architecture.md
 * explains each layer.
 */

/** Lowest first: a folder may import its own files and the folders before it, never one after it. */
const layers = [
  'shared/call',
  'shared/failures',
  'shared/referral',
  'shared/config',
  'shared/http',
  'shared/operations',
  'shared/credentials',
  'shared/upstream',
  'shared/facade',
  'shared/referral-search',
  'shared/durable',
  'shared/webhooks',
  'shared/health',
  'shared/openapi',
  'shared/app',
  'functions',
  'dev',
  'scripts',
  'bench',
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const layerRules = layers.slice(0, -1).map((layer, index) => ({
  name: `layer:${layer}`,
  comment: `${layer} may import only ${layers.slice(0, index).join(', ') || 'nothing of the project'}; the folders above it depend on it, not the reverse.`,
  severity: 'error',
  from: { path: `^${escape(layer)}/` },
  to: {
    path: `^(${layers
      .slice(index + 1)
      .map(escape)
      .join('|')})/`,
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files must not import each other in a circle, directly or through others.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-tests-in-app',
      comment:
        'Application code never imports test code (the benchmark reuses the test fakes to count credential calls).',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^test/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
