#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/main.js, emitted by tsc with decorator metadata) into one
 * file, dist/p2p.js, which is what bin/p2p runs (through src/launch.ts). Why: a node loads
 * about 2,000 module files on start-up; resolving, reading and compiling them one by one takes
 * most of its start-up time and keeps their full sources resident. One pre-linked file, with
 * its code cache, starts in roughly half the time and with less memory (figures in
 * docs/design.md, "Start-up and resident memory").
 *
 * Kept outside the bundle: the native sqlite3 driver, and packages that are only ever loaded
 * on demand by code paths we never take (other databases and transports, editor tooling).
 */
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const vm = require('node:vm');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'p2p.js');

const external = [
  'sqlite3',
  // Loaded lazily by nest-commander's config/completion helpers; never on our paths.
  'typescript',
  'prettier',
  // Transports and validation packages Nest loads only when an app asks for them.
  '@nats-io/*',
  '@nestjs/websockets/*',
  '@grpc/*',
  '@fastify/*',
  'amqp-connection-manager',
  'class-transformer',
  'class-validator',
  'ioredis',
  'kafkajs',
  'mqtt',
];

/**
 * Small, checked source edits to dependencies, made while bundling. Each names the file, the
 * exact text it expects (the build fails if a dependency update changed it) and why.
 */
const PATCHES = [
  {
    // @nestjs/typeorm looks TypeORM up again through createRequire(import.meta.url), to stay
    // compatible with TypeORM 1.x. Inside a bundle that loads a second, unbundled copy of
    // TypeORM from disk (400+ files, ~7 MiB resident): point it at the bundled one.
    file: /@nestjs[\\/]typeorm[\\/]dist[\\/]common[\\/]typeorm-compat\.js$/,
    find: 'const require = createRequire(import.meta.url);',
    replace: "import * as bundledTypeorm from 'typeorm';\nconst require = () => bundledTypeorm;",
  },
  {
    // Nest's ConsoleLogger and Logger each build an Intl.DateTimeFormat when their modules load, which maps in
    // ICU's locale data (about 8 MiB resident, 15 ms). Our logger prints ISO-8601 timestamps
    // and never calls it: build it on first use instead.
    file: /@nestjs[\\/]common[\\/]services[\\/](console-logger|logger)\.service\.js$/,
    find: 'const dateTimeFormatter = new Intl.DateTimeFormat(',
    replace:
      'const lazyDateTimeFormat = (...args) => { let f; return { format: (d) => (f ??= new Intl.DateTimeFormat(...args)).format(d) }; };\n' +
      'const dateTimeFormatter = lazyDateTimeFormat(',
  },
  {
    // mime-types fills its extension and type maps from all of mime-db (about 2,500 entries)
    // when it loads (about 10 ms in a start-up profile). Express only needs them to look up a file extension
    // (res.type, sendFile), which no route of ours does: fill them on first use instead.
    file: /[\\/]node_modules[\\/]mime-types[\\/]index\.js$/,
    find: 'populateMaps(exports.extensions, exports.types)',
    replace:
      'const lazyMaps = { extensions: exports.extensions, types: exports.types, filled: false };\n' +
      'for (const name of ["extensions", "types"]) Object.defineProperty(exports, name, { enumerable: true, get() {\n' +
      '  if (!lazyMaps.filled) { lazyMaps.filled = true; populateMaps(lazyMaps.extensions, lazyMaps.types); }\n' +
      '  return lazyMaps[name];\n' +
      '} });',
  },
];

/**
 * Packages that load on every start but serve features we never use, replaced by stand-ins
 * that fail if they are ever called. Loading them, and the Node modules they pull in (readline,
 * assert, zlib), took a few milliseconds each in a start-up profile:
 * - multer: @nestjs/platform-express loads its multipart interceptors, and with them multer,
 *   busboy and a second mime-db, whether or not an app uses them; no route of ours takes a
 *   multipart upload.
 * - inquirer: nest-commander's interactive prompts (its InquirerService); no command of ours
 *   asks questions.
 * - cosmiconfig: nest-commander's search for CLI plugin files, only done with `usePlugins`,
 *   which we do not set.
 */
const STUBS = {
  multer:
    'function multer() { throw new Error("multipart uploads are not supported (multer is not bundled)"); }\n' +
    'multer.MulterError = class MulterError extends Error {};\n' +
    'module.exports = multer;',
  inquirer: 'exports.prompt = () => Promise.reject(new Error("interactive prompts are not supported (inquirer is not bundled)"));',
  cosmiconfig: 'exports.cosmiconfig = () => { throw new Error("CLI plugins are not supported (cosmiconfig is not bundled)"); };',
};

const stubDependencies = {
  name: 'stub-dependencies',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STUBS).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

const patchDependencies = {
  name: 'patch-dependencies',
  setup(build) {
    for (const patch of PATCHES) {
      build.onLoad({ filter: patch.file }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!source.includes(patch.find)) throw new Error(`${args.path}: expected "${patch.find}" (has this dependency changed?)`);
        return { contents: source.replace(patch.find, patch.replace), loader: 'js' };
      });
    }
  },
};

/**
 * Escapes the few non-ASCII characters esbuild leaves in place (a raw U+009B in a regular
 * expression's character class, from a terminal-colour helper), so that src/launch.ts can read
 * the bundle as latin1: for pure ASCII that gives the same string as UTF-8 decoding, in about a
 * third of the time (10 ms of every start). A \uXXXX escape means the same character in a
 * string, a regular expression, an identifier or a comment; the result must still parse.
 */
function makeAscii(file) {
  const source = fs.readFileSync(file, 'utf8');
  if (!/[^\x00-\x7f]/.test(source)) return;
  const ascii = source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  new vm.Script(ascii.replace(/^#!/, '//'), { filename: file });
  fs.writeFileSync(file, ascii);
}

async function main() {
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'dist', 'src', 'main.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external,
    // Nest and TypeORM read class names at run time (tokens, entity and table names): keep them.
    keepNames: true,
    // Shorter local names: the source stays resident (V8 compiles functions from it lazily).
    // P2P_BUNDLE_READABLE=1 keeps them, and module paths as function names, for profiling.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: process.env.P2P_BUNDLE_READABLE !== '1',
    // ES modules inside the bundle (Nest 12) ask import.meta.url for createRequire.
    define: { 'import.meta.url': '__bundle_url' },
    banner: { js: 'var __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [stubDependencies, patchDependencies],
    logLevel: 'error',
    metafile: true,
  });
  makeAscii(outfile);
  const bytes = fs.statSync(outfile).size;
  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(`bundled ${inputs} modules into ${path.relative(root, outfile)} (${(bytes / 1048576).toFixed(1)} MiB)`);
}

main().catch((err) => {
  console.error(`bundle: ${err.message}`);
  process.exit(1);
});
