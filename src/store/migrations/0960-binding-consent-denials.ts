import { sql, type Kysely } from 'kysely';
import type { LedgerChoice } from '../../core/consent/resolve-consent.js';
import type { SchemaMigration } from './migration.js';

interface RequestDenialRow {
  workspace_id: string;
  subject_type: string;
  subject: string;
  at: number | string;
  categories: string;
}

/**
 * Marks as binding the current denials that privacy requests recorded before denials had that mark (an opt-out or
 * an objection that is still a subject's latest choice for its category: resolveConsent lets no event's
 * categoryPreferences undo it). A state's choice is marked when it is a denial made at the time of a ledger entry
 * recorded for a request; a newer choice of the subject has replaced it otherwise. Data only, both dialects.
 */
export const bindingConsentDenials: SchemaMigration = {
  name: '0960-binding-consent-denials',
  async up(db: Kysely<unknown>) {
    const { rows } = await sql<RequestDenialRow>`
      SELECT workspace_id, subject_type, subject, at, categories FROM consent_ledger
       WHERE request_id IS NOT NULL AND gpc = 0 ORDER BY seq`.execute(db);
    for (const row of rows) {
      const denied = Object.entries(JSON.parse(row.categories) as Record<string, boolean>).filter(([, granted]) => !granted).map(([category]) => category);
      if (denied.length === 0) continue;
      const key = sql`workspace_id = ${row.workspace_id} AND subject_type = ${row.subject_type} AND subject = ${row.subject}`;
      const state = (await sql<{ choices: string }>`SELECT choices FROM consent_state WHERE ${key}`.execute(db)).rows[0];
      if (!state) continue;
      const choices = JSON.parse(state.choices) as Record<string, LedgerChoice>;
      let changed = false;
      for (const category of denied) {
        const choice = choices[category];
        if (choice && !choice.granted && choice.at === Number(row.at) && !choice.binding) {
          choices[category] = { ...choice, binding: true };
          changed = true;
        }
      }
      if (changed) await sql`UPDATE consent_state SET choices = ${JSON.stringify(choices)} WHERE ${key}`.execute(db);
    }
  },
};
