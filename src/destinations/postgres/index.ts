import type { SegmentEvent } from '../../protocol/segment-event.js';
import type { DeletionResult, DeliveryResult, DestinationType } from '../destination.js';
import { DEFAULT_WAREHOUSE_SCHEMA, PostgresConfigSchema, validatePostgresConfig, type PostgresConfig } from './postgres-config.js';
import { deleteSubjectRows } from './warehouse-deletion.js';
import type { WarehouseRow } from './warehouse-rows.js';
import { rowsForEvent } from './warehouse-rows.js';
import { closeWarehousePools, warehouseLoader, warehousePool } from './warehouse-pools.js';

export { closeWarehousePools } from './warehouse-pools.js';

/**
 * How a warehouse failure is handled: outages (connection refused or lost, too many connections, shutdown,
 * serialization failures, timeouts) retry; refusals that resending cannot fix (bad password, missing
 * database, no permission, data the database rejects) abort with a reason.
 */
export function classifyWarehouseError(error: unknown): DeliveryResult {
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
  const message = error instanceof Error ? error.message : String(error);
  const abort = (reason: string): DeliveryResult => ({ kind: 'abort', reason, error: `PostgreSQL ${code || 'error'}: ${message}` });
  if (code.startsWith('28')) return abort('warehouse_auth_failed');
  if (code === '3D000') return abort('warehouse_database_missing');
  if (code === '42501') return abort('warehouse_permission_denied');
  if (code.startsWith('22') || code === '54011') return abort('warehouse_rejected');
  // A SQLSTATE (five characters, e.g. 57P01 the server shutting down) names what PostgreSQL answered; Node's
  // error codes (ECONNREFUSED, ETIMEDOUT) and none at all mean it was not reached.
  const reason = /^[0-9A-Z]{5}$/.test(code) ? `postgres_${code.toLowerCase()}` : 'network_error';
  return { kind: 'retry', reason, error: `PostgreSQL ${code || 'unreachable'}: ${message}` };
}

function schemaOf(config: PostgresConfig): string {
  return config.schema ?? DEFAULT_WAREHOUSE_SCHEMA;
}

/**
 * The PostgreSQL warehouse: Segment's warehouse schema (tracks, identifies, users, pages, screens, groups,
 * aliases, one table per track event), loaded in batches, deduplicated by messageId. Not subject to the
 * SSRF guard: a warehouse on a private network is normal.
 *
 * @example
 *   POST /api/v1/destinations {"type": "postgres", "config": {"connectionString": "postgres://...", "schema": "web_app"}}
 */
export const postgres: DestinationType<PostgresConfig> = {
  type: 'postgres',
  displayName: 'PostgreSQL warehouse',
  configSchema: PostgresConfigSchema,
  secretFields: ['connectionString'],
  maxBatchSize: 500,
  reachesPrivateNetworks: true,
  validateConfig: validatePostgresConfig,

  async deliver(items, config, context) {
    const rows: WarehouseRow[] = [];
    const users: WarehouseRow[] = [];
    for (const item of items) {
      const mapped = rowsForEvent(item.event as SegmentEvent, item.messageId);
      rows.push(...mapped.rows);
      if (mapped.user) users.push(mapped.user);
    }
    const loader = warehouseLoader(config.connectionString, schemaOf(config));
    try {
      const report = await loader.load(rows, users);
      if (report.skippedColumns.length) {
        context.logger.warn({ skipped: report.skippedColumns.slice(0, 20) }, 'warehouse tables reached the column limit; these columns were not created');
      }
      return { kind: 'ok' };
    } catch (error) {
      loader.invalidate();
      const result = classifyWarehouseError(error);
      context.logger.warn({ err: error, result: result.kind }, 'warehouse load failed');
      return result;
    }
  },

  async deleteSubject(subject, config): Promise<DeletionResult> {
    try {
      const report = await deleteSubjectRows(warehousePool(config.connectionString), schemaOf(config), subject);
      const detail = Object.entries(report.perTable).map(([table, n]) => `${table}: ${n}`).join(', ');
      return { kind: 'deleted', count: report.total, detail: detail || 'no rows' };
    } catch (error) {
      const result = classifyWarehouseError(error);
      return result.kind === 'retry' ? { kind: 'retry', error: result.error } : { kind: 'failed', error: result.kind === 'abort' ? result.error : String(error) };
    }
  },

  close: closeWarehousePools,
};
