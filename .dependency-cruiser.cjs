// The layers of src/, lowest first: a module may import from its own layer or a lower one,
// never from a higher one (docs/ARCHITECTURE.md draws the same picture). Checked in
// `npm test` by test/layering.test.ts; run `npx depcruise src` to see violations.
const LAYERS = [
  ['core'],
  ['io', 'metrics'],
  ['data'],
  ['layers'],
  ['train'],
  ['models'],
  ['report'],
  ['apps'],
  // The HTTP service (src/server) sits with the CLI above the applications: it calls the same
  // library API the commands call. It gets a level of its own just below cli so that the
  // `serve` command can start it; the service never imports the CLI.
  ['server'],
  ['cli'],
];

const forbidden = LAYERS.flatMap((names, level) => {
  const higher = LAYERS.slice(level + 1).flat();
  // Folders on one level stay independent of each other (io does not import metrics).
  const siblings = names.filter((n) => names.length > 1).flatMap((n) => names.filter((m) => m !== n).map((m) => [n, m]));
  return [
    ...(higher.length
      ? [{
          name: `${names.join('-')}-imports-higher-layer`,
          comment: `src/${names.join(', src/')} may import only from ${LAYERS.slice(0, level + 1).flat().join(', ')}`,
          severity: 'error',
          from: { path: `^src/(${names.join('|')})/` },
          to: { path: `^src/(${higher.join('|')})/` },
        }]
      : []),
    ...siblings.map(([from, to]) => ({
      name: `${from}-imports-${to}`,
      comment: `src/${from} and src/${to} are on one level and independent of each other`,
      severity: 'error',
      from: { path: `^src/${from}/` },
      to: { path: `^src/${to}/` },
    })),
  ];
});

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'no-circular',
      comment: 'import cycles make the load order matter; break them by moving the shared piece down (a cycle closed only by type imports is erased at compile time and allowed)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
