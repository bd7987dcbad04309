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
  'shared/event-signature',
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

/**
 * What each shared folder may import besides itself and the two leaves every layer may use (shared/call and
 * shared/failures): docs/architecture.md's module map, enforced. A folder missing here is refused outright.
 */
const mayImport = {
  'shared/call': [],
  'shared/failures': [],
  'shared/referral': [],
  'shared/config': [],
  'shared/event-signature': ['shared/config'],
  'shared/http': ['shared/referral'],
  'shared/operations': ['shared/referral'],
  'shared/credentials': ['shared/config'],
  'shared/upstream': ['shared/credentials'],
  'shared/facade': ['shared/http', 'shared/operations', 'shared/referral', 'shared/upstream'],
  'shared/referral-search': ['shared/referral', 'shared/upstream'],
  'shared/webhooks': [
    'shared/config',
    'shared/durable',
    'shared/facade',
    'shared/http',
    'shared/operations',
    'shared/referral',
    'shared/referral-search',
  ],
  'shared/health': ['shared/credentials', 'shared/durable'],
  'shared/openapi': [
    'shared/durable',
    'shared/health',
    'shared/operations',
    'shared/referral',
    'shared/referral-search',
    'shared/webhooks',
  ],
  'shared/app': [
    'shared/config',
    'shared/credentials',
    'shared/durable',
    'shared/facade',
    'shared/referral-search',
    'shared/upstream',
    'shared/webhooks',
  ],
  'shared/durable': ['shared/config', 'shared/facade', 'shared/referral'],
};
const everywhere = ['shared/call', 'shared/failures'];

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

const allowedRules = Object.entries(mayImport).map(([folder, allowed]) => {
  const permitted = [folder, ...everywhere, ...allowed].map(escape).join('|');
  return {
    name: `imports:${folder}`,
    comment: `${folder} may import ${[...everywhere, ...allowed].join(', ')} (docs/architecture.md).`,
    severity: 'error',
    from: { path: `^${escape(folder)}/` },
    to: { path: '^shared/', pathNot: `^(${permitted})/` },
  };
});

const knownShared = Object.keys(mayImport)
  .map((folder) => escape(folder.slice('shared/'.length)))
  .join('|');

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
    {
      name: 'unknown-shared-folder',
      comment: 'Every folder of shared/ has a place in the layers and in mayImport; add a new one to both.',
      severity: 'error',
      from: { path: `^shared/(?!(${knownShared})/)` },
      to: {},
    },
    ...layerRules,
    ...allowedRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
