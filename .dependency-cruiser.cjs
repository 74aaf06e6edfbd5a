/**
 * The layers of ../shared/DESIGN.md, checked by `npm test` (scripts/test.sh): a rule here fails the
 * build, so it is not something a reviewer has to remember.
 *
 *   core (main/core)            plain Node: imports no door, no app, no Electron
 *   app (main/app)              the contract's one implementation: imports core and common
 *   doors (cli, web, control, metrics, electron, shell, preload)
 *                               carry the contract: import common and app, never core
 *   renderer                    the window: imports common only
 *   common                      the contract and shared types: imports nothing of Burrow's
 *
 * Exceptions are named below, each with its reason.
 */
const DOORS = '^main/(cli|web|control|metrics|electron|shell)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle makes the order of loading (and so of side effects) an accident; cut it with a module both sides import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-stands-alone',
      comment: 'The core is plain Node: it must not know any door, the app, or Electron.',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: ['^main/(app|cli|web|control|metrics|electron|shell)/', '^renderer/', '^preload/', '^electron$'] },
    },
    {
      name: 'app-has-no-doors',
      comment: 'The app implements the contract for every door; it must not depend on one.',
      severity: 'error',
      from: { path: '^main/app/' },
      to: { path: ['^main/(cli|web|control|metrics|electron|shell)/', '^renderer/', '^preload/', '^electron$'] },
    },
    {
      name: 'doors-carry-the-contract',
      comment: 'A door only carries the contract (common/) to the app (main/app/): a rule written in a door is written again, differently, in the next one.',
      severity: 'error',
      from: { path: DOORS },
      to: { path: '^main/core/' },
    },
    {
      name: 'doors-do-not-lean-on-each-other',
      comment:
        'Each door stands on the app alone. The command line composes the doors it starts (burrow web serves the web door; every command is a client of the control channel), and the desktop shell is built of main/shell.',
      severity: 'error',
      from: { path: '^main/(web|control|metrics|shell)/' },
      to: { path: '^main/(cli|web|electron)/' },
    },
    {
      name: 'window-talks-to-the-contract-only',
      comment: 'The renderer (and the preload that hands it the contract) import common/ only: the window runs in a browser, with no Node.',
      severity: 'error',
      from: { path: '^(renderer|preload)/' },
      to: { path: '^main/' },
    },
    {
      name: 'common-is-shared',
      comment: 'common/ is what every side shares; it imports nothing of any side.',
      severity: 'error',
      from: { path: '^common/' },
      to: { path: ['^main/', '^renderer/', '^preload/'] },
    },
    {
      name: 'electron-only-in-the-shell',
      comment: 'Electron is imported by main/electron/ and preload/ only; everything else runs without it (the CLI, the tests, the browser mode).',
      severity: 'error',
      from: { pathNot: ['^main/electron/', '^preload/'] },
      to: { path: '^electron$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
