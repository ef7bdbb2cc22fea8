import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Keys } from '../core/crypto/keys.js';
import { SluiceError } from '../core/errors.js';
import type { Member } from '../core/member.js';
import type { Store } from '../store/store.js';

export const RECOVERY_CODE_COUNT = 10;
const PERIOD_SECONDS = 30;
/** Codes of the previous and next 30-second step are accepted too (clock drift between phone and server). */
const WINDOW = 1;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** What the member needs to add Sluice to an authenticator app; shown once, at enrollment. */
export interface Enrollment {
  /** Base32 secret, for typing into an app by hand. */
  secret: string;
  /** `otpauth://totp/Sluice:<email>?secret=...&issuer=Sluice...`, for a QR code. */
  otpauthUri: string;
}

export interface TwoFactorStatus {
  enabled: boolean;
  /** An enrollment is waiting for its first code. */
  pending: boolean;
  recoveryCodesLeft: number;
}

/** A second factor as a caller sends it: a 6-digit TOTP code or one of the recovery codes. */
export interface SecondFactor {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/** The outcome of checking a second factor: which kind was used, or why it failed. */
export type SecondFactorCheck = { ok: true; used: 'code' | 'recovery_code' } | { ok: false; reason: 'missing' | 'wrong' };

function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

function normalizeRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/[\s-]/g, '');
}

/**
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s, the defaults every authenticator app reads) with
 * otpauth. The secret is sealed with the installation key (AES-256-GCM, `Keys.encrypt`); recovery codes are
 * stored as keyed hashes (`Keys.pseudonym`) and work once; a TOTP code is never accepted twice (the last
 * accepted time step is kept).
 */
export class TwoFactorService {
  constructor(
    private readonly store: Store,
    private readonly keys: Keys,
  ) {}

  private totp(member: Member, base32: string): TOTP {
    return new TOTP({ issuer: 'Sluice', label: member.email, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(base32) });
  }

  private hashRecoveryCode(member: Member, code: string): string {
    return this.keys.pseudonym(`${member.workspaceId}/${member.id}/${normalizeRecoveryCode(code)}`, 'recovery-code');
  }

  /** The time step `code` belongs to, or undefined when it matches none within the window. */
  private stepOf(member: Member, sealedSecret: string, code: string, now: number): number | undefined {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return undefined;
    const delta = this.totp(member, this.keys.decrypt(sealedSecret)).validate({ token, timestamp: now, window: WINDOW });
    return delta === null ? undefined : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  }

  async status(member: Member): Promise<TwoFactorStatus> {
    const record = await this.store.twoFactor.get(member.workspaceId, member.id);
    const enabled = record?.enabledAt != null;
    return { enabled, pending: record !== undefined && !enabled, recoveryCodesLeft: enabled ? await this.store.twoFactor.remainingRecoveryCodes(member.workspaceId, member.id) : 0 };
  }

  async isEnabled(member: Member): Promise<boolean> {
    return (await this.store.twoFactor.get(member.workspaceId, member.id))?.enabledAt != null;
  }

  /** Starts (or restarts) an enrollment; `conflict` when two-factor is already on. */
  async enroll(member: Member, now = Date.now()): Promise<Enrollment> {
    const secret = new Secret({ size: 20 }).base32;
    if (!(await this.store.twoFactor.begin(member.workspaceId, member.id, this.keys.encrypt(secret), now))) {
      throw new SluiceError('conflict', 'Two-factor authentication is already on; turn it off first (POST /api/v1/me/two-factor/disable) to enroll a new device.');
    }
    return { secret, otpauthUri: this.totp(member, secret).toString() };
  }

  /** Confirms the enrollment with a first code; returns the recovery codes (shown once). */
  async confirm(member: Member, code: string, now = Date.now()): Promise<string[]> {
    const record = await this.store.twoFactor.get(member.workspaceId, member.id);
    if (!record || record.enabledAt !== null) throw new SluiceError('conflict', record ? 'Two-factor authentication is already on.' : 'Start an enrollment first: POST /api/v1/me/two-factor.');
    const step = this.stepOf(member, record.sealedSecret, code, now);
    if (step === undefined) throw new SluiceError('two_factor_code_invalid', 'That code does not match: enter the current 6-digit code your authenticator app shows for Sluice (check the phone\'s clock).');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    if (!(await this.store.twoFactor.enable(member.workspaceId, member.id, step, codes.map((c) => this.hashRecoveryCode(member, c)), now))) {
      throw new SluiceError('conflict', 'The enrollment changed meanwhile; start again.');
    }
    return codes;
  }

  /**
   * Checks a second factor of a member whose two-factor is on: a current TOTP code (not used before) or an
   * unused recovery code (then spent).
   */
  async check(member: Member, factor: SecondFactor, now = Date.now()): Promise<SecondFactorCheck> {
    const record = await this.store.twoFactor.get(member.workspaceId, member.id);
    if (!record || record.enabledAt === null) return { ok: true, used: 'code' };
    if (factor.code) {
      const step = this.stepOf(member, record.sealedSecret, factor.code, now);
      if (step !== undefined && (await this.store.twoFactor.useStep(member.workspaceId, member.id, step))) return { ok: true, used: 'code' };
      return { ok: false, reason: 'wrong' };
    }
    if (factor.recoveryCode) {
      const used = await this.store.twoFactor.useRecoveryCode(member.workspaceId, member.id, this.hashRecoveryCode(member, factor.recoveryCode), now);
      return used ? { ok: true, used: 'recovery_code' } : { ok: false, reason: 'wrong' };
    }
    return { ok: false, reason: 'missing' };
  }

  /** Turns two-factor off (after the caller checked a current code, or an administrator reset it). */
  async remove(member: Member): Promise<boolean> {
    return this.store.twoFactor.remove(member.workspaceId, member.id);
  }
}
