#include <array>

#include "storage/migrations/migrator.hpp"

namespace keel::storage {
namespace {

// Append only: a released migration is never edited, a change is a new version.
const std::array<Migration, 8> kMigrations = {{
    {1,
     "instance metadata",
     {"CREATE TABLE keel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      "INSERT INTO keel_meta (key, value) VALUES ('schema_created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"},
     {"CREATE TABLE keel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      "INSERT INTO keel_meta (key, value) VALUES ('schema_created_at', "
      "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"}},
    // Accounts and sign-in sessions (API.md §3-4). Session times are Unix milliseconds: they
    // are compared, never shown.
    {2,
     "users and sessions",
     {"CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, "
      "role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
      "CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE, "
      "refresh_hash TEXT NOT NULL, previous_hash TEXT, rotated_at_ms INTEGER NOT NULL, "
      "expires_at_ms INTEGER NOT NULL, created_at TEXT NOT NULL, revoked_at_ms INTEGER)",
      "CREATE INDEX sessions_user_id ON sessions (user_id)",
      "CREATE INDEX sessions_revoked_at_ms ON sessions (revoked_at_ms)"},
     {"CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, "
      "role text NOT NULL, password_hash text NOT NULL, created_at timestamptz NOT NULL, "
      "updated_at timestamptz NOT NULL)",
      "CREATE TABLE sessions (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE, "
      "refresh_hash text NOT NULL, previous_hash text, rotated_at_ms bigint NOT NULL, "
      "expires_at_ms bigint NOT NULL, created_at timestamptz NOT NULL, revoked_at_ms bigint)",
      "CREATE INDEX sessions_user_id ON sessions (user_id)",
      "CREATE INDEX sessions_revoked_at_ms ON sessions (revoked_at_ms)"}},
    // Changes made to resource tables from the resources file, each with the declarations'
    // schema snapshot after it (resources/resource_schema.cpp).
    {3,
     "resource schema changes",
     {"CREATE TABLE keel_resource_migrations (id INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, "
      "summary TEXT NOT NULL, schema TEXT NOT NULL)"},
     {"CREATE TABLE keel_resource_migrations (id bigserial PRIMARY KEY, applied_at text NOT NULL, "
      "summary text NOT NULL, schema text NOT NULL)"}},
    // Revoked sessions, apart from the sessions themselves (issue 12, finding 8): a deleted
    // user's sessions go with the user (ON DELETE CASCADE), and with them went the record that
    // their access tokens are revoked. These rows belong to no user, so they outlive it; each is
    // kept until every access token it refuses has expired (auth/revocations.cpp). Revocations
    // made before this migration are copied in.
    {4,
     "session revocations outlive their sessions",
     {"CREATE TABLE session_revocations (session_id TEXT PRIMARY KEY, revoked_at_ms INTEGER NOT NULL)",
      "CREATE INDEX session_revocations_revoked_at_ms ON session_revocations (revoked_at_ms)",
      "INSERT INTO session_revocations (session_id, revoked_at_ms) "
      "SELECT id, revoked_at_ms FROM sessions WHERE revoked_at_ms IS NOT NULL"},
     {"CREATE TABLE session_revocations (session_id uuid PRIMARY KEY, revoked_at_ms bigint NOT NULL)",
      "CREATE INDEX session_revocations_revoked_at_ms ON session_revocations (revoked_at_ms)",
      "INSERT INTO session_revocations (session_id, revoked_at_ms) "
      "SELECT id, revoked_at_ms FROM sessions WHERE revoked_at_ms IS NOT NULL"}},
    // The event log (API.md §9, issue 14; docs/architecture.md, Events). `seq` is the commit
    // order readers follow. On SQLite, whose single writer commits in insert order, it is the
    // row's own number (AUTOINCREMENT: never reused, also once trimming emptied the table). On
    // PostgreSQL rows are inserted with seq NULL at insert position `pos`, and the sequencer
    // numbers them once committed; the partial index finds those still waiting. `event_log`
    // keeps the highest seq trimmed: a reader behind it missed events (resync required), and
    // numbering goes on above it when trimming emptied the table; and the highest seq the
    // RabbitMQ relay got confirmed (NULL until a relay ran).
    {5,
     "event log",
     {"CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, type TEXT NOT NULL, "
      "resource TEXT NOT NULL, record_id TEXT NOT NULL, actor_id TEXT, at TEXT NOT NULL, data TEXT NOT NULL)",
      "CREATE TABLE event_log (id INTEGER PRIMARY KEY CHECK (id = 1), trimmed_through INTEGER NOT NULL, "
      "published_through INTEGER)",
      "INSERT INTO event_log (id, trimmed_through) VALUES (1, 0)"},
     {"CREATE TABLE events (pos bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, seq bigint UNIQUE, "
      "id uuid NOT NULL, type text NOT NULL, resource text NOT NULL, record_id uuid NOT NULL, actor_id uuid, "
      "at timestamptz NOT NULL, data text NOT NULL)",
      "CREATE INDEX events_unsequenced ON events (pos) WHERE seq IS NULL",
      "CREATE TABLE event_log (id integer PRIMARY KEY CHECK (id = 1), trimmed_through bigint NOT NULL, "
      "published_through bigint)",
      "INSERT INTO event_log (id, trimmed_through) VALUES (1, 0)"}},
    // The record before an update (realtime subscriptions tell a record entering or leaving their
    // filter from one changing inside it); not part of the §9 envelope.
    {6,
     "events: the record before an update",
     {"ALTER TABLE events ADD COLUMN previous TEXT"},
     {"ALTER TABLE events ADD COLUMN previous text"}},
    // Whether the user proved the address theirs (API.md §4, §11): registration leaves it false,
    // the bootstrap admin is true, a change of email sets it false again.
    {7,
     "users: email verified",
     {"ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0"},
     {"ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false"}},
    // Account e-mail (API.md §11, docs/account-email.md). account_tokens: the newest verification
    // or reset token of each user, as a SHA-256 hash only (one row per user and purpose: a new one
    // replaces the old), bound to the address it was mailed to. mail_outbox: mail to send, written
    // in the transaction of the request that causes it and sent by the courier; `outcome` is NULL
    // until it is sent or given up, and rows are kept a day after that for the throttles.
    {8,
     "account e-mail: tokens and the mail outbox",
     {"CREATE TABLE account_tokens (token_hash TEXT PRIMARY KEY, "
      "user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE, purpose TEXT NOT NULL, "
      "email TEXT NOT NULL, expires_at_ms INTEGER NOT NULL, UNIQUE (user_id, purpose))",
      "CREATE TABLE mail_outbox (id TEXT PRIMARY KEY, kind TEXT NOT NULL, address TEXT NOT NULL, user_id TEXT, "
      "requested_at_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL, "
      "lease_until_ms INTEGER, outcome TEXT, done_at_ms INTEGER, last_error TEXT)",
      "CREATE INDEX mail_outbox_pending ON mail_outbox (next_attempt_ms) WHERE outcome IS NULL",
      "CREATE INDEX mail_outbox_address ON mail_outbox (kind, address, requested_at_ms)",
      "CREATE INDEX mail_outbox_user ON mail_outbox (kind, user_id, requested_at_ms)",
      "CREATE INDEX mail_outbox_done ON mail_outbox (done_at_ms)"},
     {"CREATE TABLE account_tokens (token_hash text PRIMARY KEY, "
      "user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE, purpose text NOT NULL, "
      "email text NOT NULL, expires_at_ms bigint NOT NULL, UNIQUE (user_id, purpose))",
      "CREATE TABLE mail_outbox (id uuid PRIMARY KEY, kind text NOT NULL, address text NOT NULL, user_id uuid, "
      "requested_at_ms bigint NOT NULL, attempts integer NOT NULL DEFAULT 0, next_attempt_ms bigint NOT NULL, "
      "lease_until_ms bigint, outcome text, done_at_ms bigint, last_error text)",
      "CREATE INDEX mail_outbox_pending ON mail_outbox (next_attempt_ms) WHERE outcome IS NULL",
      "CREATE INDEX mail_outbox_address ON mail_outbox (kind, address, requested_at_ms)",
      "CREATE INDEX mail_outbox_user ON mail_outbox (kind, user_id, requested_at_ms)",
      "CREATE INDEX mail_outbox_done ON mail_outbox (done_at_ms)"}},
}};

}  // namespace

std::span<const Migration> core_migrations() { return kMigrations; }

}  // namespace keel::storage
