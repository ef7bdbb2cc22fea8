import { SluiceError } from '../../core/errors.js';
import type { Store } from '../../store/store.js';
import { NO_AUDIT, type RequestAuditSink } from './request-audit.js';
import type { RequestGuard, RequestPatch } from './request-repository.js';
import { canTransition, type PrivacyRequest, type RequestStatus, type RequestTransition } from './request.js';
import { ipOf, nameOf, type StepActor } from './step-actor.js';

/** Told about every lifecycle step once it is stored (notices to the subject, the executor's wake-up). */
export type TransitionListener = (request: PrivacyRequest, transition: RequestTransition) => Promise<void> | void;

/** A guarded step's condition (its result still the one read) and what a refusal tells the caller (`request_state_conflict`). */
export interface StepGuard extends RequestGuard {
  /** The message when the result changed meanwhile; a generic "changed while this action ran" without it. */
  readonly conflict?: string;
}

export interface RequestTransitionOptions {
  readonly audit?: RequestAuditSink;
  readonly now?: () => number;
  readonly logError?: (error: unknown) => void;
}

/**
 * How a request takes a step: a conditional transition (from the status it was read in) stored with who, when and
 * why, then written to the audit sink and told to every listener. Every step of RequestService goes through `move`.
 */
export class RequestTransitions {
  private readonly listeners: TransitionListener[] = [];

  constructor(
    readonly store: Store,
    private readonly options: RequestTransitionOptions = {},
  ) {}

  now(): number {
    return this.options.now?.() ?? Date.now();
  }

  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  async load(workspaceId: string, id: string): Promise<PrivacyRequest> {
    const request = await this.store.privacyRequests.get(workspaceId, id);
    if (!request) throw new SluiceError('not_found', `No privacy request ${id} in this workspace.`);
    return request;
  }

  /** Stores a new request with its first step, then announces it. */
  async record(request: PrivacyRequest, created: RequestTransition, by: StepActor): Promise<void> {
    await this.store.privacyRequests.create(request, created);
    await this.announce(request, created, ipOf(by));
  }

  /**
   * Moves the request to `to` (or keeps its status: a step such as `extended` or `link_sent`) with `patch`, provided
   * it is still as it was read (its status; with `guard`, its result too); `request_state_conflict` when the lifecycle
   * forbids the move or it changed meanwhile.
   */
  async move(request: PrivacyRequest, to: RequestStatus, patch: RequestPatch, by: StepActor, action: string, note: string | null, guard?: StepGuard): Promise<PrivacyRequest> {
    if (to !== request.status && !canTransition(request.status, to)) {
      throw new SluiceError('request_state_conflict', `Request ${request.id} cannot go from ${request.status} to ${to}.`);
    }
    const updated = await this.storeStep(request, to, patch, by, action, note, guard);
    if (!updated) throw new SluiceError('request_state_conflict', guard?.conflict ?? `Request ${request.id} changed while this action ran; reload it and try again.`);
    return updated;
  }

  /**
   * Steps of one kind that keep the request's status (one per recipient or tool whose outcome came in), the first
   * carrying `patch` and stored only over the result `guard` names: the request after them, or undefined when the
   * result changed meanwhile (someone recorded it first, or re-issued it: nothing is stored, the caller reads it again
   * next time).
   */
  async moveEach(request: PrivacyRequest, patch: RequestPatch, by: StepActor, action: string, notes: readonly string[], guard: RequestGuard): Promise<PrivacyRequest | undefined> {
    let current = request;
    for (const [i, note] of notes.entries()) {
      const updated = await this.storeStep(current, current.status, i === 0 ? patch : {}, by, action, note, i === 0 ? guard : undefined);
      if (!updated) {
        if (i === 0) return undefined;
        throw new SluiceError('request_state_conflict', `Request ${request.id} changed while this action ran; reload it and try again.`);
      }
      current = updated;
    }
    return current;
  }

  /** Stores one step (conditional on the status read and, with `guard`, the result) and announces it; undefined when refused. */
  private async storeStep(request: PrivacyRequest, to: RequestStatus, patch: RequestPatch, by: StepActor, action: string, note: string | null, guard: RequestGuard | undefined): Promise<PrivacyRequest | undefined> {
    const transition: RequestTransition = { requestId: request.id, from: request.status, to, at: this.now(), actor: nameOf(by), action, note };
    const updated = await this.store.privacyRequests.transition(request.workspaceId, request.id, request.status, patch, transition, guard === undefined ? undefined : { result: guard.result });
    if (updated) await this.announce(updated, transition, ipOf(by));
    return updated;
  }

  private async announce(request: PrivacyRequest, transition: RequestTransition, ip: string | undefined): Promise<void> {
    await (this.options.audit ?? NO_AUDIT).record({
      workspaceId: request.workspaceId,
      actor: transition.actor,
      ...(ip !== undefined && { ip }),
      action: `privacy_request.${transition.action}`,
      requestId: request.id,
      details: { type: request.type, from: transition.from, to: transition.to, ...(transition.note ? { note: transition.note } : {}) },
    });
    for (const listener of this.listeners) {
      try {
        await listener(request, transition);
      } catch (error) {
        this.options.logError?.(error);
      }
    }
  }
}
