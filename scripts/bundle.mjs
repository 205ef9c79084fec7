// Bundle each command-line front end into ONE ES module, replacing tsc's dist/cli/NAME.js
// (the package's "bin" paths), so that starting `seccomp-exec` reads and links one file
// instead of ~40 modules plus commander's CommonJS. The library (dist/index.js and the rest of
// dist/) stays tsc's unbundled output.
//
// The bundles stay in dist/cli/, two levels below the package root like tsc's output, so the
// paths they compute from import.meta.url still hold: ../../package.json (version) and
// ../../ (the package root node-gyp-build searches for the add-on). node-gyp-build is loaded at
// run time (external). The built-in profile (src/profile/data/containerd-default.json) is
// embedded, as text and as the model parsed at build time, so the bundle does not depend on
// where the data file is and does not parse it at every start.
//
// Run after `tsc` (npm's postbuild does). Without esbuild (a production install that builds
// from source without dev dependencies) tsc's unbundled output is kept: slower to start,
// same behaviour.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const CLIS = ['seccomp-exec', 'seccomp'];

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('bundle: esbuild is not installed; keeping the unbundled CLI (slower start-up)');
  process.exit(0);
}

const profileText = readFileSync(`${root}src/profile/data/containerd-default.json`, 'utf8');
// The built-in profile parsed now, with the library's own strict parser (tsc's output), so the
// bundles do not parse it at every start. Bigints travel as {"$bigint": "DIGITS"}; reviving the
// encoding must give exactly the parsed model, or the build fails.
const { parseProfile } = await import(new URL('../dist/profile/load.js', import.meta.url).href);
const { reviveProfileModel, DEFAULT_PROFILE_SOURCE } = await import(new URL('../dist/profile/default.js', import.meta.url).href);
const model = parseProfile(profileText, DEFAULT_PROFILE_SOURCE, { strict: true });
const encodedModel = JSON.stringify(model, (_key, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
if (!isDeepStrictEqual(reviveProfileModel(JSON.parse(encodedModel)), model)) {
  throw new Error('bundle: the encoded built-in profile does not revive to the parsed profile');
}

/**
 * commander requires node:child_process at load time, only to spawn executable subcommands,
 * which neither CLI has; loading it pulls in net, dgram and their bindings (~2 ms at every
 * start). Give commander a stand-in that loads the real module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'lazy-child-process', namespace: 'seccomp-exec-bundle' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'seccomp-exec-bundle' }, () => ({
      loader: 'js',
      contents:
        "let real;\n" +
        "const load = () => (real ??= require('node:child_process'));\n" +
        "module.exports = new Proxy({}, {\n" +
        "  get: (_t, key) => load()[key],\n" +
        "  has: (_t, key) => key in load(),\n" +
        "});\n",
    }));
  },
};

await esbuild.build({
  absWorkingDir: root,
  entryPoints: CLIS.map((name) => ({ in: `src/cli/${name}.ts`, out: name })),
  outdir: 'dist/cli',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  tsconfig: 'tsconfig.json',
  external: ['node-gyp-build'],
  plugins: [lazyChildProcess],
  // commander is CommonJS: give its require() calls of node:* built-ins a real require.
  banner: {
    js: "import { createRequire as __seccompExecCreateRequire } from 'node:module'; const require = __seccompExecCreateRequire(import.meta.url);",
  },
  define: {
    __SECCOMP_EXEC_DEFAULT_PROFILE__: JSON.stringify(profileText),
    // as a string (JSON.parse at first use): an object define would be built at every start
    __SECCOMP_EXEC_DEFAULT_PROFILE_MODEL__: JSON.stringify(encodedModel),
  },
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  allowOverwrite: true,
});
