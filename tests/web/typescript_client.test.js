'use strict';
// A client generated from the document works against the server: @hey-api/openapi-ts generates a
// TypeScript client from /api/openapi.json (fetch client, SDK, zod schemas, and the SDK's request
// and response validators on, so what it sends and what it receives are checked against the
// document at run time); `tsc --strict` compiles it with typescript_client/scenario.ts; the
// compiled scenario then runs a short session against the live server (issue 13).
// Usage: node typescript_client.test.js <keel> <resources.yaml>
//
// KEEL_TS_CLIENT_BREAK=<name> puts one of issue 13's findings back into the fetched document
// before generating (see `breaks` below): the test must then fail. For checking the test itself.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { repo, webRequire, startKeel } = require('./keel.js');

const [keel, resourcesFile] = process.argv.slice(2);
if (!keel || !resourcesFile) {
  console.error('usage: node typescript_client.test.js <keel> <resources.yaml>');
  process.exit(2);
}

// @hey-api/openapi-ts 0.95 runs on Node 20.19 and later (its package.json "engines").
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`typescript_client.test.js: @hey-api/openapi-ts needs Node >= 20.19, this is ${process.version}`);
  process.exit(1);
}

/** The schemas of the document whose names end with `suffix` (".update", ".listItem"...). */
function schemasEndingWith(doc, suffix) {
  return Object.entries(doc.components.schemas).filter(([name]) => name.endsWith(suffix));
}

// Each puts back one of issue 13's findings 1-4, as the document described it before the fix.
const breaks = {
  // 1: the error-code enum without HEADERS_TOO_LARGE (the code the server sent instead).
  'finding1-code': (doc) => {
    const codes = doc.components.schemas.Error.properties.error.properties.code.enum;
    codes[codes.indexOf('HEADERS_TOO_LARGE')] = 'REQUEST_HEADER_FIELDS_TOO_LARGE';
  },
  // 1: no operation lists 431.
  'finding1-431': (doc) => {
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) delete op.responses?.['431'];
    }
  },
  // 2: list rows require every property.
  finding2: (doc) => {
    for (const [, schema] of schemasEndingWith(doc, '.listItem')) schema.required = Object.keys(schema.properties);
  },
  // 3: the update schemas carry the create defaults.
  finding3: (doc) => {
    for (const [name, schema] of schemasEndingWith(doc, '.update')) {
      const create = doc.components.schemas[name.replace(/\.update$/, '.create')];
      for (const [field, prop] of Object.entries(create.properties)) {
        if (prop.default !== undefined) schema.properties[field].default = prop.default;
      }
    }
  },
  // 4: required strings may be empty.
  'finding4-name': (doc) => {
    for (const [, schema] of [...schemasEndingWith(doc, '.create'), ...schemasEndingWith(doc, '.update')]) {
      for (const prop of Object.values(schema.properties)) {
        if (prop.minLength === 1) delete prop.minLength;
      }
    }
  },
  // 4: passwords limited in characters.
  'finding4-password': (doc) => {
    Object.assign(doc.components.schemas.RegisterRequest.properties.password, { minLength: 8, maxLength: 72 });
  },
  // 4: request e-mails as `format: email`, which refuses the white space the server trims.
  'finding4-email': (doc) => {
    doc.components.schemas.RegisterRequest.properties.email = { type: 'string', format: 'email', maxLength: 254 };
  },
};

const broken = process.env.KEEL_TS_CLIENT_BREAK;
if (broken !== undefined && !breaks[broken]) {
  console.error(`KEEL_TS_CLIENT_BREAK: one of ${Object.keys(breaks).join(', ')}`);
  process.exit(2);
}

test('a TypeScript client generated from the document compiles strictly and runs a session', async (t) => {
  const server = await startKeel(keel, resourcesFile);
  t.after(() => server.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-ts-client-'));
  t.after(() => {
    fs.rmSync(path.join(dir, 'node_modules'), { force: true });  // the link only, not web/'s packages
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const timings = [];
  let last = Date.now();
  const lap = (what) => {
    const now = Date.now();
    timings.push(`${what} ${now - last} ms`);
    last = now;
  };

  // The document, as a client team fetches it.
  const res = await fetch(`${server.url}/api/openapi.json`);
  assert.equal(res.status, 200, 'GET /api/openapi.json');
  const doc = await res.json();
  if (broken) {
    breaks[broken](doc);
    t.diagnostic(`KEEL_TS_CLIENT_BREAK=${broken}: the document has issue 13's finding put back`);
  }
  const input = path.join(dir, 'openapi.json');
  fs.writeFileSync(input, JSON.stringify(doc, null, 2));

  // The project: ESM (what the generated client is), web/'s packages (zod, typescript) found
  // through node_modules, the scenario next to the generated client.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  fs.symlinkSync(path.join(repo, 'web', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.copyFileSync(path.join(__dirname, 'typescript_client', 'scenario.ts'), path.join(dir, 'src', 'scenario.ts'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: false,
      noEmitOnError: true,
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      lib: ['es2022', 'dom', 'dom.iterable'],
      types: [],
      // zod's own declarations are not what is tested; the generated client and the scenario are.
      skipLibCheck: true,
      rootDir: 'src',
      outDir: 'out',
    },
    include: ['src'],
  }, null, 2));

  // Generate: the fetch client, the SDK with zod request and response validators, and `.js` in
  // the generated imports (module nodenext needs them at run time).
  const { createClient } = await import(pathToFileURL(webResolveEsm('@hey-api/openapi-ts')).href);
  await createClient({
    input,
    output: { path: path.join(dir, 'src', 'client'), importFileExtension: '.js', tsConfigPath: null },
    logs: { level: 'silent' },
    plugins: [
      '@hey-api/client-fetch',
      'zod',
      { name: '@hey-api/sdk', validator: { request: 'zod', response: 'zod' } },
    ],
  });
  assert.ok(fs.existsSync(path.join(dir, 'src', 'client', 'sdk.gen.ts')), 'openapi-ts wrote the SDK');
  lap('generate');

  // Compile strictly; any error fails the test with tsc's output.
  const tsc = spawnSync(process.execPath, [webRequire.resolve('typescript/bin/tsc'), '-p', dir, '--pretty', 'false'],
    { cwd: dir, encoding: 'utf8' });
  lap('tsc');
  assert.equal(tsc.status, 0,
    `tsc --strict on the generated client and scenario.ts failed:\n${tsc.stdout}${tsc.stderr}`);

  // Run the session against the live server.
  const scenario = await import(pathToFileURL(path.join(dir, 'out', 'scenario.js')).href);
  try {
    await scenario.run(server.url, (line) => t.diagnostic(line));
  } catch (e) {
    assert.fail(`the scenario failed: ${e.message}\n(keel's log:)\n${server.log().slice(-2000)}`);
  }
  lap('scenario');
  t.diagnostic(timings.join(', '));
});

/** The file of an ESM-only package of web/ (its "import" export), which require.resolve can't give. */
function webResolveEsm(name) {
  const dir = path.join(repo, 'web', 'node_modules', name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const entry = pkg.exports?.['.']?.import ?? pkg.module ?? pkg.main;
  return path.join(dir, entry);
}
