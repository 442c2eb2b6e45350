// A short session of a real client, written against the TypeScript client that
// @hey-api/openapi-ts generates from keel's /api/openapi.json (fetch client, SDK, zod request and
// response validators). typescript_client.test.js generates the client into ./client/ next to a
// copy of this file, compiles both with `tsc --strict`, imports the result and calls run().
//
// Each step catches the document lying in a way a client would notice (issue 13, findings 1-4):
// a type that doesn't compile, a validator that refuses what the server accepts or sends, or a
// record changed by a default the client filled in.
import * as z from 'zod';

import { client } from './client/client.gen.js';
import {
  getApiV1AuthMe,
  getApiV1Tasks,
  getApiV1TasksId,
  patchApiV1ProjectsId,
  patchApiV1TasksId,
  postApiV1AuthLogin,
  postApiV1AuthRegister,
  postApiV1Projects,
  postApiV1Tasks,
} from './client/index.js';
import type { GetApiV1TasksErrors, TasksListItem } from './client/index.js';
import { zPatchApiV1ProjectsIdBody, zPatchApiV1TasksIdBody } from './client/zod.gen.js';

class ScenarioError extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ScenarioError(message);
}

/** What a failed SDK call says: the status and the error body. */
function why(res: { response?: Response; error?: unknown }): string {
  return `${res.response?.status ?? 'no response'} ${JSON.stringify(res.error)}`;
}

/**
 * Runs `body`; an exception (a validator refusing a request or a response, a failed check) is
 * rethrown naming the step and, for a zod error, the issues.
 */
async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof z.ZodError) {
      const issues = z.prettifyError(e).split('\n');
      const shown = issues.length > 24 ? [...issues.slice(0, 24), `… (${issues.length - 24} more lines)`] : issues;
      throw new ScenarioError(`${name}: a generated zod validator refused it:\n${shown.join('\n')}`);
    }
    if (e instanceof ScenarioError) throw new ScenarioError(`${name}: ${e.message}`);
    throw new ScenarioError(`${name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }
}

export async function run(baseUrl: string, log: (line: string) => void): Promise<void> {
  // Every request the client sends is counted, to tell a client-side refusal from a server one.
  let sent = 0;
  let token: string | undefined;
  client.setConfig({
    baseUrl,
    auth: () => token,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      sent += 1;
      return fetch(input, init);
    },
  });

  // Finding 4: the password is 4 characters but 8 bytes of UTF-8, which the server accepts
  // (8-72 bytes); the e-mail has white space around it, which the server trims.
  const password = 'éééé';
  await step('register with a padded e-mail and an 8-byte password', async () => {
    const res = await postApiV1AuthRegister({
      body: { email: ' Padded@Example.com ', password, name: ' Ada ' },
    });
    check(res.data !== undefined, `expected 201, got ${why(res)}`);
    check(res.response.status === 201, `expected 201, got ${res.response.status}`);
    check(res.data.user.email === 'padded@example.com',
      `the stored e-mail is trimmed and lowercase, got ${JSON.stringify(res.data.user.email)}`);
    check(res.data.user.name === 'Ada', `the stored name is trimmed, got ${JSON.stringify(res.data.user.name)}`);
  });

  await step('log in', async () => {
    const res = await postApiV1AuthLogin({ body: { email: 'PADDED@example.com', password } });
    check(res.data !== undefined, `expected 200, got ${why(res)}`);
    token = res.data.accessToken;
    const me = await getApiV1AuthMe();
    check(me.data?.email === 'padded@example.com', `GET /auth/me: ${why(me)}`);
  });

  // Finding 4: required strings are non-empty, so the client refuses '' before sending anything.
  await step('create a project named ""', async () => {
    const before = sent;
    let refused: unknown;
    try {
      const res = await postApiV1Projects({ body: { name: '' } });
      refused = `no client-side refusal: the request was sent and answered ${why(res)}`;
    } catch (e) {
      refused = e;
    }
    check(refused instanceof z.ZodError,
      `the request validator refuses it (a zod error), got: ${refused instanceof Error ? refused.message : String(refused)}`);
    check(sent === before, `nothing is sent, but ${sent - before} request(s) went out`);
  });

  const project = await step('create a project', async () => {
    const res = await postApiV1Projects({ body: { name: 'Launch', archived: true } });
    check(res.data !== undefined, `expected 201, got ${why(res)}`);
    check(res.data.archived === true, `archived: ${res.data.archived}`);
    return res.data;
  });

  const tasks = await step('create three tasks', async () => {
    const made = [];
    for (const body of [
      { title: 'Write the plan', project: project.id, status: 'in_progress' as const, priority: 5 },
      { title: 'Review the plan', project: project.id },
      { title: 'Ship it', project: project.id, status: 'done' as const, priority: 1 },
    ]) {
      const res = await postApiV1Tasks({ body });
      check(res.data !== undefined, `expected 201, got ${why(res)}`);
      made.push(res.data);
    }
    check(made[1].status === 'todo' && made[1].priority === 3,
      `defaults applied on create, got ${JSON.stringify(made[1])}`);
    return made;
  });
  const first = tasks[0];

  // Finding 2: with `fields`, rows carry only the fields named (and id); the response validator
  // checks them against the list item schema.
  await step('list tasks with fields=title,status', async () => {
    const res = await getApiV1Tasks({ query: { fields: 'title,status', sort: 'createdAt' } });
    check(res.data !== undefined, `expected 200, got ${why(res)}`);
    const rows: TasksListItem[] = res.data.data;
    check(rows.length === 3, `3 rows, got ${rows.length}`);
    for (const row of rows) {
      check(JSON.stringify(Object.keys(row).sort()) === '["id","status","title"]',
        `a row has id, title and status only, got ${JSON.stringify(row)}`);
    }
    check(rows[0].title === 'Write the plan' && rows[0].status === 'in_progress', JSON.stringify(rows[0]));
  });

  // Finding 3: a PATCH of the title alone leaves status and priority as they were. The SDK's
  // request validator checks the body but sends it as given (its parsed output is dropped), so
  // the generated schema is also parsed as a form would: it must add nothing to the title. (The
  // form's output isn't sent here: zod reads `format: int64` as bigint, the SDK's type as number.)
  await step('rename a task with PATCH {title}', async () => {
    const form = zPatchApiV1TasksIdBody.parse({ title: 'Write the launch plan' });
    check(JSON.stringify(Object.keys(form)) === '["title"]',
      `parsing {title} fills nothing in, got keys ${JSON.stringify(Object.keys(form))}`);
    const res = await patchApiV1TasksId({ path: { id: first.id }, body: { title: 'Write the launch plan' } });
    check(res.data !== undefined, `expected 200, got ${why(res)}`);
    check(res.data.title === 'Write the launch plan', `title: ${res.data.title}`);
    check(res.data.status === 'in_progress' && res.data.priority === 5,
      `status and priority unchanged (in_progress, 5), got ${res.data.status}, ${res.data.priority}`);
  });

  // Finding 3: a form library validating with the generated schema (zodResolver and the like)
  // submits the parsed output. With the create defaults in the update schema, that output would
  // carry `archived: false`, and renaming the project would un-archive it.
  await step('rename the project through a form validated by the generated update schema', async () => {
    const form = zPatchApiV1ProjectsIdBody.parse({ name: 'Launch v2' });
    const res = await patchApiV1ProjectsId({ path: { id: project.id }, body: form });
    check(res.data !== undefined, `expected 200, got ${why(res)}`);
    check(res.data.name === 'Launch v2' && res.data.archived === true,
      `only the name changed (archived still true), got ${JSON.stringify(res.data)}; the form sent ${JSON.stringify(form)}`);
  });

  await step('read a task, then again with If-None-Match', async () => {
    const res = await getApiV1TasksId({ path: { id: first.id } });
    check(res.data !== undefined, `expected 200, got ${why(res)}`);
    check(res.data.status === 'in_progress' && res.data.priority === 5, JSON.stringify(res.data));
    const etag = res.response.headers.get('ETag');
    check(etag !== null, 'the 200 carries an ETag');
    const again = await getApiV1TasksId({ path: { id: first.id }, headers: { 'If-None-Match': etag } });
    // The fetch client treats every status outside 2xx as an error; a 304 has no body.
    check(again.response.status === 304, `expected 304, got ${why(again)}`);
  });

  await step('page through the tasks with a cursor', async () => {
    const page1 = await getApiV1Tasks({ query: { limit: 2, sort: 'createdAt', expand: 'project' } });
    check(page1.data !== undefined, `expected 200, got ${why(page1)}`);
    check(page1.data.data.length === 2, `2 rows, got ${page1.data.data.length}`);
    const expanded = page1.data.data[0].project;
    check(typeof expanded === 'object' && expanded.id === project.id,
      `expand=project gives the project record, got ${JSON.stringify(expanded)}`);
    const cursor = page1.data.meta.nextCursor;
    check(typeof cursor === 'string', `page 1 has a nextCursor, got ${JSON.stringify(page1.data.meta)}`);
    const page2 = await getApiV1Tasks({ query: { limit: 2, sort: 'createdAt', cursor } });
    check(page2.data !== undefined, `expected 200, got ${why(page2)}`);
    check(page2.data.data.length === 1 && page2.data.data[0].id === tasks[2].id,
      `page 2 is the third task, got ${JSON.stringify(page2.data.data)}`);
    check(page2.data.meta.nextCursor === null, `the last page's nextCursor is null, got ${JSON.stringify(page2.data.meta)}`);
  });

  // Finding 1: 431 is documented for the operation (GetApiV1TasksErrors[431] exists only then) and
  // its code is in the error-code union: strict TypeScript refuses to compare a value with a
  // literal its type can't hold, so this file compiles only if the document lists it.
  await step('send a 20 KB header', async () => {
    const res = await getApiV1Tasks({ headers: { 'X-Padding': 'x'.repeat(20 * 1024) } });
    check(res.error !== undefined, `expected 431, got ${res.response.status}`);
    check(res.response.status === 431, `expected 431, got ${why(res)}`);
    const body: GetApiV1TasksErrors[431] = res.error;
    check(body.error.code === 'HEADERS_TOO_LARGE', `code HEADERS_TOO_LARGE, got ${why(res)}`);
  });

  log(`scenario passed: ${sent} requests`);
}
