'use strict';
// The OpenAPI document is a contract the server keeps: every documented operation gets a real
// request (bodies made from the documented request schemas, path ids of records created through
// the API), and every response has a documented status and a body valid against the documented
// schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it). Also, for each operation, the main
// unhappy path: no token where one is needed, and an empty body where fields are required.
// Usage: node contract.test.js <keel> <resources.yaml>
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { webRequire, admin, startKeel, deref, operations, mailedToken } = require('./keel.js');

const Ajv2020 = webRequire('ajv/dist/2020');
const addFormats = webRequire('ajv-formats');

const [keel, resourcesFile] = process.argv.slice(2);
if (!keel || !resourcesFile) {
  console.error('usage: node contract.test.js <keel> <resources.yaml>');
  process.exit(2);
}

const docId = 'urn:keel:openapi';

/** Checks responses against the document. */
class Contract {
  constructor(doc) {
    this.doc = doc;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // The components, under an id, so every "#/components/..." inside them resolves.
    this.ajv.addSchema({ $id: docId, components: doc.components || {} });
    this.validators = new Map();
  }

  /** The documented response for a status: exact, then "4XX"-style ranges, then default. */
  response(op, status) {
    const r = op.responses || {};
    const found = r[String(status)] || r[`${Math.floor(status / 100)}XX`] || r.default;
    return found && deref(this.doc, found);
  }

  validator(schema) {
    const key = JSON.stringify(schema);
    if (!this.validators.has(key)) this.validators.set(key, this.ajv.compile(rebase(schema)));
    return this.validators.get(key);
  }

  /** Asserts `res` (status, headers, text) is what `op` documents; returns the parsed body. */
  check(label, op, res) {
    const documented = this.response(op, res.status);
    assert.ok(documented, `${label}: status ${res.status} is documented (documented: ${Object.keys(op.responses || {}).join(', ')}); body: ${res.text.slice(0, 300)}`);
    const content = documented.content || {};
    const type = (res.headers.get('content-type') || '').split(';')[0].trim();
    if (Object.keys(content).length === 0 || res.status === 204 || res.status === 304) {
      assert.equal(res.text, '', `${label}: ${res.status} has no documented body, so none is sent`);
      return undefined;
    }
    assert.ok(content[type], `${label}: Content-Type ${type} is documented (${Object.keys(content).join(', ')})`);
    const schema = content[type].schema;
    const body = type.endsWith('json') ? JSON.parse(res.text) : res.text;
    if (schema) {
      const validate = this.validator(schema);
      assert.ok(validate(body), `${label}: the ${res.status} body matches its schema:\n${
        this.ajv.errorsText(validate.errors, { separator: '\n' })}\nbody: ${res.text.slice(0, 500)}`);
    }
    return body;
  }
}

// A copy of a schema whose local $refs point into the components added under docId.
function rebase(node) {
  if (Array.isArray(node)) return node.map(rebase);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${docId}${v}` : rebase(v);
  }
  return out;
}

/** Talks to the server, and makes the records and sessions the requests need. */
class Client {
  /** `dataDir`: keel's data folder, where it writes mail as .eml files (no SMTP_URL here). */
  constructor(url, doc, dataDir) {
    this.url = url;
    this.dataDir = dataDir;
    this.doc = doc;
    this.serial = 0;
  }

  async send(method, path, { token, body, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, {
      method: method.toUpperCase(),
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  /** A fresh admin session: { accessToken, refreshToken }. */
  async login() {
    const res = await this.send('post', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password } });
    assert.equal(res.status, 200, `admin login: ${res.text}`);
    return JSON.parse(res.text);
  }

  /** The collection path whose records GET <collection>/{id} returns as components schema `name`. */
  collectionOf(schemaName) {
    for (const { path, method, op } of operations(this.doc)) {
      if (method !== 'get' || !/\/\{[^}/]+\}$/.test(path)) continue;
      const schema = this.doc.paths[path].get.responses?.['200']?.content?.['application/json']?.schema;
      if (schema?.$ref === `#/components/schemas/${schemaName}` && op) return path.replace(/\/\{[^}/]+\}$/, '');
    }
    return undefined;
  }

  /** POSTs a new record to `collection` (a body made from its documented schema); returns its id. */
  async create(collection, token) {
    const op = this.doc.paths[collection]?.post;
    assert.ok(op, `POST ${collection} is documented, to make records for ${collection}/{id}`);
    const body = await this.bodyFor(collection, op, token, { all: true });
    const res = await this.send('post', collection, { token, body });
    assert.equal(Math.floor(res.status / 100), 2, `making a record: POST ${collection} ${JSON.stringify(body)} -> ${res.status} ${res.text}`);
    const created = JSON.parse(res.text);
    return created.id ?? created.user?.id;
  }

  /** A request body for `op` from its documented schema; undefined when it takes none. */
  async bodyFor(path, op, token, { all = false } = {}) {
    const media = deref(this.doc, op.requestBody)?.content?.['application/json'];
    if (!media?.schema) return undefined;
    const schema = deref(this.doc, media.schema);
    // The record schema of the collection, where ref fields name the schema of their target.
    const collection = path.replace(/\/\{[^}/]+\}$/, '');
    const itemPath = Object.keys(this.doc.paths).find((p) => p.startsWith(`${collection}/{`) && !p.slice(collection.length + 1).includes('/'));
    const recordRef = itemPath && this.doc.paths[itemPath].get?.responses?.['200']?.content?.['application/json']?.schema;
    const record = recordRef ? deref(this.doc, recordRef) : undefined;

    const out = {};
    const required = new Set(schema.required || []);
    for (const [name, raw] of Object.entries(schema.properties || {})) {
      const prop = deref(this.doc, raw);
      // Changing a password, role or email of an account has rules of its own (API.md §4): an
      // update sends the plainer fields only.
      if (!required.has(name) && !all && ['password', 'currentPassword', 'role', 'email'].includes(name)) continue;
      if (!required.has(name) && name === 'currentPassword') continue;
      if (name === 'refreshToken') {
        out[name] = (await this.login()).refreshToken;
        continue;
      }
      const target = (record?.properties?.[name]?.anyOf || []).map((s) => s.$ref).find(Boolean);
      if (target) {
        const targetCollection = this.collectionOf(target.split('/').pop());
        assert.ok(targetCollection, `${name} refers to ${target}: some collection returns it`);
        out[name] = await this.create(targetCollection, token);
        continue;
      }
      out[name] = this.value(name, prop);
    }
    return out;
  }

  /** A valid value for a property of a documented schema. */
  value(name, schema) {
    this.serial += 1;
    if (schema.const !== undefined) return schema.const;
    if (schema.default !== undefined && schema.default !== null) return schema.default;
    if (schema.enum) return schema.enum.find((v) => v !== null);
    const type = [].concat(schema.type || []).find((t) => t !== 'null');
    switch (type) {
      case 'string': {
        if (schema.format === 'email') return `contract-${process.pid}-${this.serial}@example.com`;
        // A patterned string with an example (EmailInput, NameInput): a unique variant of it.
        const example = schema.examples?.[0];
        if (schema.pattern && typeof example === 'string') {
          return example.includes('@') ? `contract-${process.pid}-${this.serial}-${example}` : example;
        }
        if (schema.format === 'date-time') return new Date().toISOString();
        if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
        if (schema.format === 'uri' || schema.format === 'url') return `https://example.com/${this.serial}`;
        if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
        const text = name === 'password' ? 'contract password 1' : `contract ${name} ${this.serial}`;
        const min = schema.minLength || 0;
        const max = schema.maxLength ?? Infinity;
        return text.padEnd(min, 'x').slice(0, max);
      }
      case 'integer':
      case 'number':
        return schema.minimum ?? (schema.maximum !== undefined ? Math.min(1, schema.maximum) : 1);
      case 'boolean':
        return true;
      case 'array':
        return [];
      case 'object':
        return {};
      default:
        return { any: 'json' };
    }
  }

  /** The request for an operation: path with ids filled in, token, body. */
  async request(path, method, op) {
    // A token is sent where one is taken; `secured` (no token: 401) only where none is optional
    // (an empty requirement, {}, says the operation works without one).
    const security = op.security ?? this.doc.security ?? [];
    const takesToken = security.some((s) => Object.keys(s).length > 0);
    const secured = takesToken && security.every((s) => Object.keys(s).length > 0);
    let token = takesToken ? (await this.login()).accessToken : undefined;
    let url = path;
    for (const [, param] of path.matchAll(/\{([^}]+)\}/g)) {
      const collection = path.slice(0, path.indexOf(`{${param}}`) - 1);
      // A record of its own for each request, so a DELETE takes nothing from the others.
      url = url.replace(`{${param}}`, encodeURIComponent(await this.create(collection, token)));
    }
    const query = [];
    for (const raw of [...(this.doc.paths[path].parameters || []), ...(op.parameters || [])]) {
      const param = deref(this.doc, raw);
      if (param.in === 'query' && param.required) {
        query.push(`${encodeURIComponent(param.name)}=${encodeURIComponent(this.value(param.name, param.schema || {}))}`);
      }
    }
    if (query.length) url += `?${query.join('&')}`;
    let body = await this.bodyFor(path, op, token);
    if (method === 'post' && /\/auth\/login$/.test(path)) body = { email: admin.email, password: admin.password };
    if (method === 'post' && /\/auth\/logout$/.test(path) && body) {
      // Logs out the session whose refresh token it sends.
      const session = await this.login();
      token = session.accessToken;
      body.refreshToken = session.refreshToken;
    }
    if (method === 'post' && /\/auth\/(verify-email|reset-password)$/.test(path)) {
      // A real token: from the mail keel sends a fresh account (written to its data folder).
      body.token = await this.mailedToken(path.endsWith('verify-email') ? 'verify-email' : 'reset-password');
    }
    return { url, token, body, secured };
  }

  /** Registers an account and returns the token of its verification mail, or of a reset mail. */
  async mailedToken(page) {
    this.serial += 1;
    const email = `contract-${process.pid}-${this.serial}-mail@example.com`;
    const reg = await this.send('post', '/api/v1/auth/register', { body: { email, password: 'contract password 1', name: 'Mail' } });
    assert.equal(reg.status, 201, `register for a mailed token: ${reg.text}`);
    if (page === 'reset-password') {
      const forgot = await this.send('post', '/api/v1/auth/forgot-password', { body: { email } });
      assert.equal(forgot.status, 202, `forgot-password: ${forgot.text}`);
    }
    return mailedToken(path.join(this.dataDir, 'mail'), email, page);
  }
}

test('every documented operation answers as documented', async (t) => {
  const server = await startKeel(keel, resourcesFile);
  t.after(() => server.stop());
  const docRes = await fetch(`${server.url}/api/openapi.json`);
  assert.equal(docRes.status, 200, 'GET /api/openapi.json');
  const doc = await docRes.json();
  const contract = new Contract(doc);
  const client = new Client(server.url, doc, server.dir);

  const ops = operations(doc);
  assert.ok(ops.length > 0, 'the document has operations');
  // DELETEs last, so the records and accounts the others use are all there.
  ops.sort((a, b) => (a.method === 'delete') - (b.method === 'delete'));
  for (const { path, method, op } of ops) {
    const label = `${method.toUpperCase()} ${path}`;
    await t.test(label, async () => {
      const req = await client.request(path, method, op);
      const res = await client.send(method, req.url, { token: req.token, body: req.body });
      assert.equal(Math.floor(res.status / 100), 2,
        `${label}: a well-formed request succeeds (${req.url} ${JSON.stringify(req.body)} -> ${res.status} ${res.text.slice(0, 300)})`);
      contract.check(label, op, res);

      if (req.secured) {
        const anonymous = await client.send(method, req.url, { body: req.body });
        assert.equal(anonymous.status, 401, `${label} without a token`);
        contract.check(`${label} without a token`, op, anonymous);
      }
      const schema = deref(doc, deref(doc, op.requestBody)?.content?.['application/json']?.schema);
      if (schema?.required?.length) {
        const invalid = await client.send(method, req.url, { token: req.token, body: {} });
        assert.equal(invalid.status, 400, `${label} with {}`);
        contract.check(`${label} with {}`, op, invalid);
      }
    });
  }
});
