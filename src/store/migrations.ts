/**
 * Versioned schema migrations, applied in name order at start-up by Kysely's Migrator. They run
 * on SQLite and PostgreSQL alike, so they use only the portable column types. Never edit a
 * migration that has shipped; add a new one. A record table added after 0025_record_order needs
 * its `seq` column on PostgreSQL too (as recordOrder adds it): the store reads every record table
 * in `seq` order, so a table without it fails the PostgreSQL store tests at once.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { DialectName } from './database.js';
import { KINDS, KIND_NAMES } from './kinds.js';

// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was, not as typed now.
type AnyDb = Kysely<any>;

async function createRecordTable(db: AnyDb, table: string): Promise<void> {
  await db.schema
    .createTable(table)
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex(`${table}_project`).ifNotExists().on(table).column('project_id').execute();
}

const core: Migration = {
  async up(db: AnyDb) {
    for (const kind of KIND_NAMES) await createRecordTable(db, KINDS[kind].table);
    // A second line of defence for IPAM: the database itself refuses a duplicate address.
    await db.schema
      .createTable('ip_allocations')
      .addColumn('network_id', 'text', (c) => c.notNull())
      .addColumn('ip_address', 'text', (c) => c.notNull())
      .addColumn('subnet_id', 'text', (c) => c.notNull())
      .addColumn('port_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('ip_allocations_pk', ['network_id', 'ip_address'])
      .execute();
    await db.schema.createIndex('ip_allocations_port').on('ip_allocations').column('port_id').execute();
    await db.schema
      .createTable('changes')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('changes_pk', ['revision', 'seq'])
      .execute();
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.insertInto('meta').values({ key: 'revision', value: '0' }).execute();
  },
};

// 0001 walks the kinds known when it runs, so on a fresh database it already made these tables;
// createRecordTable's `if not exists` lets this migration run after it on old and new databases.
const IDENTITY_TABLES = ['domains', 'projects', 'users', 'roles', 'role_assignments', 'tokens'];

const identity: Migration = {
  async up(db: AnyDb) {
    for (const table of IDENTITY_TABLES) await createRecordTable(db, table);
  },
};

// Address groups and network logs (docs/security-groups.md); 0001 makes them on a fresh database.
const securityGroupExtensions: Migration = {
  async up(db: AnyDb) {
    for (const table of ['address_groups', 'logs']) await createRecordTable(db, table);
  },
};

// Port forwardings, conntrack helpers, metering labels, rules and counters, local IPs and their
// associations (docs/port-forwarding.md, docs/metering.md, docs/l3.md); 0001 makes them on a fresh database.
const L3_EXTENSION_TABLES = [
  'port_forwardings',
  'conntrack_helpers',
  'metering_labels',
  'metering_label_rules',
  'metering_counters',
  'local_ips',
  'local_ip_associations',
];

const l3Extensions: Migration = {
  async up(db: AnyDb) {
    for (const table of L3_EXTENSION_TABLES) await createRecordTable(db, table);
  },
};

const SHARING_TABLES = ['address_scopes', 'subnetpools', 'rbac_policies'];

/**
 * Address scopes, subnet pools and RBAC policies (issue 15). A network that was already shared or
 * external gets the wildcard policy Neutron keeps for it, so sharing reads from policies only.
 */
const sharing: Migration = {
  async up(db: AnyDb) {
    for (const table of SHARING_TABLES) await createRecordTable(db, table);
    const networks = await db.selectFrom('networks').select(['id', 'project_id', 'body']).execute();
    for (const row of networks as { id: string; project_id: string; body: unknown }[]) {
      const net = (typeof row.body === 'string' ? JSON.parse(row.body) : row.body) as Record<string, unknown>;
      const actions = [
        ...(net.shared === true ? ['access_as_shared'] : []),
        ...(net['router:external'] === true ? ['access_as_external'] : []),
      ];
      for (const action of actions) {
        const policy = {
          id: randomUUID(),
          project_id: row.project_id,
          object_type: 'network',
          object_id: row.id,
          action,
          target_project: '*',
        };
        await db
          .insertInto('rbac_policies')
          .values({ id: policy.id, project_id: row.project_id, body: JSON.stringify(policy) })
          .execute();
      }
    }
  },
};

/** Service flavors and profiles (issue 15). */
const flavors: Migration = {
  async up(db: AnyDb) {
    for (const table of ['flavors', 'service_profiles']) await createRecordTable(db, table);
  },
};

// QoS policies and their rules (docs/qos.md).
const QOS_TABLES = [
  'qos_policies',
  'qos_bandwidth_limit_rules',
  'qos_dscp_marking_rules',
  'qos_minimum_bandwidth_rules',
  'qos_packet_rate_limit_rules',
  'qos_minimum_packet_rate_rules',
];

const qos: Migration = {
  async up(db: AnyDb) {
    for (const table of QOS_TABLES) await createRecordTable(db, table);
  },
};

/** Trunks (docs/trunks.md); 0001 makes the table on a fresh database. */
const trunks: Migration = {
  async up(db: AnyDb) {
    await createRecordTable(db, 'trunks');
  },
};

/** Network segment ranges (docs/api.md); 0001 makes the table on a fresh database. */
const networkSegmentRanges: Migration = {
  async up(db: AnyDb) {
    await createRecordTable(db, 'network_segment_ranges');
  },
};

// Several servers on one database (docs/scale-out.md): each change log entry keeps the record
// as it was before the write (`prior`, JSON; SQL NULL on entries older than this migration), so
// a server can rebuild an agent's scope at the revision it resumes from; and messages between
// servers too big for a NOTIFY wait in `peer_messages`.
const scaleOut: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('changes').addColumn('prior', 'text').execute();
    await db.schema
      .createTable('peer_messages')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * The order records were first written, which is the order of lists and pages without sort
 * keys (docs/api.md). SQLite keeps it in each row's rowid (an upsert keeps the rowid), so its
 * tables need nothing. A PostgreSQL table read without ORDER BY comes in the order of its heap,
 * where an updated row moves: two servers on one database, one of them restarted, listed the
 * same records in different orders, and a page walk through a load balancer could skip or
 * repeat records. Each row gets a sequence number on insert that an update keeps (rows that
 * exist get one in heap order, the best order left), and an index to read in that order.
 */
function recordOrder(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect !== 'postgres') return;
      for (const kind of KIND_NAMES) {
        const table = KINDS[kind].table;
        await sql`alter table ${sql.table(table)} add column if not exists seq bigserial`.execute(db);
        await db.schema.createIndex(`${table}_seq`).ifNotExists().on(table).column('seq').execute();
      }
    },
  };
}

const MIGRATIONS: Record<string, Migration> = {
  '0001_core': core,
  '0002_identity': identity,
  '0003_security_group_extensions': securityGroupExtensions,
  '0004_sharing': sharing,
  '0005_flavors': flavors,
  '0010_l3_extensions': l3Extensions,
  '0020_qos': qos,
  '0021_trunks': trunks,
  '0022_scale_out': scaleOut,
  '0024_network_segment_ranges': networkSegmentRanges,
};

export function migrationProvider(dialect: DialectName): MigrationProvider {
  return { getMigrations: async () => ({ ...MIGRATIONS, '0025_record_order': recordOrder(dialect) }) };
}
