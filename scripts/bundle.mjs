// Bundle each command-line front end into ONE ES module, replacing tsc's dist/cli/NAME.js
// (the package's "bin" paths), so that starting `seccomp-exec` reads and links one file
// instead of ~40 modules plus commander's CommonJS. The library (dist/index.js and the rest of
// dist/) stays tsc's unbundled output.
//
// The bundles stay in dist/cli/, two levels below the package root like tsc's output, so the
// paths they compute from import.meta.url still hold: ../../package.json (version) and
// ../../ (the package root node-gyp-build searches for the add-on). node-gyp-build is loaded at
// run time (external). The built-in profile (src/profile/data/containerd-default.json) is
// embedded as a string, so the bundle does not depend on where the data file is.
//
// Run after `tsc` (npm's postbuild does). Without esbuild (a production install that builds
// from source without dev dependencies) tsc's unbundled output is kept: slower to start,
// same behaviour.
import { readFileSync } from 'node:fs';
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
JSON.parse(profileText); // fail the build on a broken data file, not at run time

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
  // commander is CommonJS: give its require() calls of node:* built-ins a real require.
  banner: {
    js: "import { createRequire as __seccompExecCreateRequire } from 'node:module'; const require = __seccompExecCreateRequire(import.meta.url);",
  },
  define: {
    __SECCOMP_EXEC_DEFAULT_PROFILE__: JSON.stringify(profileText),
  },
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  allowOverwrite: true,
});
