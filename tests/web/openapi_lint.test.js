'use strict';
// GET /api/openapi.json is a valid OpenAPI 3.1 document: Redocly's linter (the engine of
// `redocly lint`, @redocly/openapi-core, with its `recommended` rules) finds no error in it, for
// the default resources file and for a test one; and every declared resource has its paths and
// a schema naming its fields. Usage: node openapi_lint.test.js <keel> <resources.yaml>...
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { webRequire, startKeel, declaredResources, deref } = require('./keel.js');

const { lintFromString, createConfig, getTotals, formatProblems } = webRequire('@redocly/openapi-core');

const [keel, ...resourceFiles] = process.argv.slice(2);
if (!keel || resourceFiles.length === 0) {
  console.error('usage: node openapi_lint.test.js <keel> <resources.yaml>...');
  process.exit(2);
}

for (const resourcesFile of resourceFiles) {
  test(`the document for ${path.basename(resourcesFile)}`, async (t) => {
    const server = await startKeel(keel, resourcesFile);
    t.after(() => server.stop());

    const res = await fetch(`${server.url}/api/openapi.json`);
    assert.equal(res.status, 200, 'GET /api/openapi.json');
    assert.match(res.headers.get('content-type') || '', /^application\/json/);
    const doc = await res.json();
    const v1 = await fetch(`${server.url}/api/v1/openapi.json`);
    assert.equal(v1.status, 200, 'GET /api/v1/openapi.json');
    assert.deepEqual(await v1.json(), doc, '/api/v1/openapi.json is the same document');

    await t.test('is OpenAPI 3.1 with no lint error', async () => {
      assert.match(String(doc.openapi), /^3\.1\.\d+$/);
      const config = await createConfig({ extends: ['recommended'] });
      const problems = await lintFromString({
        source: JSON.stringify(doc, null, 2),  // so the problems' line numbers mean something
        absoluteRef: `${server.url}/api/openapi.json`,
        config,
      });
      const totals = getTotals(problems);
      if (problems.length > 0) {
        formatProblems(problems, { format: 'stylish', totals, version: 'keel', maxProblems: 200 });
      }
      assert.equal(totals.errors, 0, `${totals.errors} lint errors (listed above)`);
    });

    await t.test('has paths and a schema for every declared resource', () => {
      for (const [name, fields] of Object.entries(declaredResources(resourcesFile))) {
        const collection = doc.paths[`/api/v1/${name}`];
        const itemPath = Object.keys(doc.paths).find((p) => new RegExp(`^/api/v1/${name}/\\{[^}/]+\\}$`).test(p));
        assert.ok(collection?.get && collection?.post, `GET and POST /api/v1/${name}`);
        assert.ok(itemPath, `/api/v1/${name}/{id}`);
        const item = doc.paths[itemPath];
        assert.ok(item.get && item.delete && (item.patch || item.put), `GET, PATCH or PUT, DELETE ${itemPath}`);
        const content = deref(doc, item.get.responses['200'])?.content?.['application/json'];
        assert.ok(content?.schema, `GET ${itemPath} documents its 200 body`);
        const schema = deref(doc, content.schema);
        assert.ok(content.schema.$ref?.startsWith('#/components/schemas/'),
          `GET ${itemPath} refers to a components schema for ${name}`);
        const properties = Object.keys(allProperties(doc, schema));
        for (const field of fields) {
          assert.ok(properties.includes(field), `the schema of ${name} has its field ${field}`);
        }
      }
    });
  });
}

// A schema's properties, its allOf branches' included.
function allProperties(doc, schema) {
  const out = { ...(schema.properties || {}) };
  for (const part of schema.allOf || []) Object.assign(out, allProperties(doc, deref(doc, part)));
  return out;
}
