// One write queue per cluster (per node pcs runs on). Steps that arrive together — Pulumi runs
// independent creates concurrently — go out as one batch: one ssh exec, one CIB push. Resources
// are created held (stopped, marked) and released in one push once no step has arrived for a
// moment, so a resource never starts before the constraints created with it exist, even when a
// constraint waits for the resource's outputs while other steps still run. The last step to
// finish does the release, so the engine, which waits for every step, never ends the run with a
// resource left held (and a lone resource, whose constraint the engine sends only once the
// resource's step returned, is released by that step: it may start before its constraint).
import { LiveCluster } from "../cib/live";
import { Cib } from "../cib/model";
import { SshTarget } from "../transport/ssh";
import { errorsFirst } from "../transport/messages";
import { stat } from "../kit/stats";
import { reportToStep } from "../kit/step-context";
import { warnUser } from "../kit/warnings";
import { releaseStep } from "./holds";
import { BatchRunner, PcsError, PcsStep, stepError } from "./pcs-batch";
import {
  leftByInterruptedRuns,
  MarkedRemoval,
  markStep,
  orderingsToStop,
  removalStep,
  RemovedOrdering,
  stopStep,
} from "./removals";
import { Settled, Watch } from "./settle";

export interface StepOutcome {
  skipped?: "exists" | "absent";
  live: LiveCluster;
}

export interface WriterTiming {
  /** How long the first step of an idle queue waits for company. */
  collectMs: number;
  /** How long without a new step before held resources are released. */
  settleMs: number;
  /**
   * How long a batch may wait, past collectMs, to be as big as the most steps ever in flight at
   * once (the engine's parallelism, as seen): when a batch returns, the engine sends the next
   * steps over a short while, and a big batch followed by a batch of 1 costs a whole batch more.
   * Also how long, after a batch returned K steps, the next waits for the engine to send about K
   * new ones (the slots that batch freed): else the few that came during the batch go alone, and
   * batches alternate big and small, each costing about the same (its time is mostly the CIB's).
   */
  fillWaitMs: number;
  /**
   * A batch short of that size goes once no step has come for this long: the engine's burst is
   * over (a slot may be busy elsewhere), and waiting out fillWaitMs would only delay every step.
   */
  quietMs: number;
  /** How long a step waits for the ids it needs to be made by another step (then pcs says why not). */
  needsWaitMs: number;
  /**
   * Batches in flight at once per cluster, each in its own pcs process. A step that arrives while
   * a batch runs would otherwise wait for it; the
   * pushes are diffs, so two batches' changes both land. Steps the engine orders (a constraint on
   * a resource) never meet: the second is only sent once the first returned. One by default: on
   * the lab's 2 cores, shared with the engine and three nodes' pacemaker, two at once were no
   * faster (each batch's pcs work and push slowed as much as the waits shrank: docs/BENCHMARKS.md).
   */
  maxBatches: number;
}

// needsWaitMs stays short: a waiting step holds one of the engine's parallel slots, and a run
// whose slots all wait for steps that cannot start would stall (declare constraints with their
// resources' `resourceId` outputs, and the engine orders them instead).
export const defaultTiming: WriterTiming = {
  collectMs: 60,
  fillWaitMs: 250,
  quietMs: 40,
  maxBatches: 1,
  settleMs: 1000,
  needsWaitMs: 2000,
};

interface Pending {
  step: PcsStep;
  since: number;
  /** Handed to the runner to be applied to the next batch's copy before the batch goes. */
  staged?: true;
  resolve: (o: StepOutcome) => void;
  reject: (e: Error) => void;
}

/** Waits for the watched objects to settle; null when interrupted (see settle.ts). */
export type Settler = (watches: readonly Watch[], interrupted: () => boolean) => Promise<Settled | null>;

const noSettling: Settler = async () => ({ failed: [], unsettled: [] });

/** The ids of resources (primitives, groups, clones) in a live CIB. */
export const resourceIds = (live: LiveCluster): Set<string> => new Set(live.cib?.resources.keys() ?? []);

export class ClusterWriter {
  private pending: Pending[] = [];
  /** Batches running now, and their steps. */
  private inFlight = 0;
  private inFlightSteps = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Steps submitted and not yet returned, the releaser included. */
  private active = 0;
  private arrivals = 0;
  private lastArrival = 0;
  /** Callers' steps in this writer now, and the most there ever were at once. */
  private callers = 0;
  private peakCallers = 0;
  private readonly held = new Set<string>();
  /** What this run wrote and waits for once every step is done, by id. */
  private readonly watched = new Map<string, Watch>();
  /** What this run removes once every step is done (removals.ts), and the order constraints it deleted. */
  private readonly marked = new Map<string, MarkedRemoval>();
  private readonly orderings: RemovedOrdering[] = [];
  /** The configuration as the last batch left it. */
  private lastLive: LiveCluster | null = null;
  /** Resource ids in the CIB as last seen; null until this writer has seen it. */
  private known: Set<string> | null = null;
  private knownRead: Promise<Set<string>> | null = null;
  private stageQueued = false;
  /** Ends the releaser's wait for quiet: a step arrived. */
  private wakeReleaser: (() => void) | null = null;
  /** The last batch's return: when, the arrival count then, and how many slots it freed. */
  private refill: { at: number; arrivals: number; freed: number } | null = null;

  constructor(
    private readonly runBatch: BatchRunner,
    private readonly target: SshTarget,
    private readonly timing: WriterTiming = defaultTiming,
    /** Hands over the configuration a batch pushed; gives what callers get (the rest as last read). */
    private readonly onCib: (cib: Cib | null) => Promise<LiveCluster> = async (cib) => ({
      corosync: null,
      cib,
      status: null,
      enabled: false,
    }),
    private readonly readKnown: () => Promise<Set<string>> = async () => new Set(),
    private readonly settler: Settler = noSettling,
  ) {}

  /**
   * Applies the step with whatever else is queued; `holds` are ids it creates held, `watches` the
   * resources it writes that the run waits for once every step is done.
   */
  async submit(
    step: PcsStep,
    holds: readonly string[] = [],
    watches: readonly Watch[] = [],
    removals: { marks?: readonly MarkedRemoval[]; ordering?: RemovedOrdering } = {},
  ): Promise<StepOutcome> {
    this.active++;
    this.peakCallers = Math.max(this.peakCallers, ++this.callers);
    try {
      const outcome = await this.enqueue(step);
      if (!outcome.skipped) holds.forEach((id) => this.held.add(id));
      if (outcome.skipped !== "absent") watches.forEach((w) => this.watch(w));
      if (!outcome.skipped) {
        removals.marks?.forEach((m) => this.marked.set(m.id, m));
        if (removals.ordering) this.orderings.push(removals.ordering);
      }
      return outcome;
    } finally {
      this.callers--;
      this.active--;
      if (this.active === 0) await this.releaseWhenQuiet();
    }
  }

  /**
   * Watches objects this run did not write but asked about (an update that found nothing to
   * change, whose object failed before): the run's last step settles them with the rest.
   */
  async settleAfter(watches: readonly Watch[]): Promise<void> {
    this.active++;
    try {
      watches.forEach((w) => this.watch(w));
    } finally {
      this.active--;
      if (this.active === 0) await this.releaseWhenQuiet();
    }
  }

  /**
   * A delete of a resource or fence device: marked now, stopped and deleted once the run's steps
   * are done, with its other removals (removals.ts). Already gone is fine.
   */
  removeLater(r: MarkedRemoval): Promise<StepOutcome> {
    return this.submit(markStep(r), [], [], { marks: [r] });
  }

  /**
   * A delete of a constraint; of an order constraint, `ordering` adds it back for the stops of
   * this run's removals when they remove what it orders (removals.ts). Already gone is fine.
   */
  deleteConstraint(owner: string, id: string, ordering?: RemovedOrdering): Promise<StepOutcome> {
    const step: PcsStep = { owner, argvs: [], remove: { constraints: [id] }, phase: 1 };
    return this.submit(step, [], [], ordering ? { ordering } : {});
  }

  /** Another write of a watched object keeps its earlier cleanup. */
  private watch(w: Watch): void {
    const before = this.watched.get(w.id);
    this.watched.set(w.id, before ? { ...w, cleanup: w.cleanup || before.cleanup } : w);
  }

  /**
   * A create step for the object `id`: with `adopt`, skipped when it exists (the caller then makes
   * it as declared); without, pcs's refusal of a taken id comes with the way out.
   */
  async create(
    step: PcsStep,
    id: string,
    adopt: boolean,
    holds: readonly string[] = [],
    watches: readonly Watch[] = [],
  ): Promise<StepOutcome> {
    // this run marked it for removal (a replace: delete, then create): removed first, in this step
    const marked = this.marked.get(id);
    if (marked) this.marked.delete(id);
    try {
      return await this.submit(
        {
          ...step,
          probeIds: [id],
          ...(adopt ? { ifAbsent: id } : {}),
          ...(marked ? { removeFirst: { [marked.family]: [id] } } : {}),
        },
        holds,
        watches,
      );
    } catch (err) {
      if (err instanceof PcsError && err.outcome === "ID_ALREADY_EXISTS") {
        throw new Error(`${err.message} — set adopt: true to manage the existing one as declared`);
      }
      throw err;
    }
  }

  /**
   * Waits for settleMs without a new step, then releases what is held, stops and deletes what the
   * run removes, and waits for what the run wrote to settle. The step that waits holds one of the
   * engine's parallel slots, and its dependents (a constraint on its resource) wait for it: a new
   * step ends any of these waits at once, and the last of the new ones goes on instead.
   */
  private async releaseWhenQuiet(): Promise<void> {
    this.active++;
    try {
      while (this.held.size > 0 || this.watched.size > 0 || this.marked.size > 0) {
        await new Promise<void>((wake) => {
          const timer = setTimeout(wake, this.timing.settleMs);
          this.wakeReleaser = () => {
            clearTimeout(timer);
            wake();
          };
        });
        this.wakeReleaser = null;
        // Someone else is working (a step that came ended the wait): the last of them releases.
        if (this.active > 1) return;
        const ids = [...this.held];
        this.held.clear();
        // A failed release leaves its resource held and marked: its next read shows that as drift,
        // which the next `pulumi up` repairs; the step that happens to release is not failed for it.
        await Promise.allSettled(ids.map((id) => this.enqueue(releaseStep(id))));
        if (this.active > 1 || this.held.size > 0) continue;
        if (this.marked.size > 0 && !(await this.removeMarked())) return;
        if (!(await this.settleWatched())) return;
      }
    } finally {
      this.active--;
    }
  }

  /**
   * Waits for the watched objects to settle, and reports their failed operations to this step
   * (the run's last), or throws them where no step is known. False when a new step came: the
   * watches stay, for the last of the new steps.
   */
  private async settleWatched(): Promise<boolean> {
    if (this.watched.size === 0) return true;
    const watches = [...this.watched.values()];
    this.watched.clear();
    let settled: Settled | null;
    try {
      settled = await this.settler(watches, () => this.active > 1);
    } catch (err) {
      // the writes are done: a cluster that cannot be asked now fails none of them
      warnUser(
        `could not wait for ${watches.map((w) => w.owner).join(", ")} to settle: ${(err as Error).message}`,
      );
      return true;
    }
    if (!settled) {
      watches.forEach((w) => this.watch({ ...w, cleanup: false }));
      return false;
    }
    if (settled.unsettled.length)
      warnUser(
        `still busy when their wait ended (see pcs status): ${settled.unsettled.map((u) => u.owner).join(", ")}`,
      );
    const failure = settled.failed.map((f) => f.message).join("\n");
    if (failure && !reportToStep(`failed operations after this up:\n${failure}`)) throw new Error(failure);
    return true;
  }

  /**
   * Stops what the run marked for removal, all at once, with the order constraints the run deleted
   * among them added back (pacemaker stops them in that order), waits for the stops, then deletes
   * the marked objects in one push. An object that did not stop is not deleted: it stays marked,
   * named in the error, for the next run. False when a new step came during the wait: the
   * removals stay, for its last step.
   */
  private async removeMarked(): Promise<boolean> {
    const marked = [...this.marked.values()];
    this.marked.clear();
    const stopping = marked.filter((m) => m.stopTimeoutMs > 0);
    let notStopped: string[] = [];
    let addedBack: RemovedOrdering[] = [];
    if (stopping.length) {
      addedBack = orderingsToStop(this.orderings, stopping, this.lastLive);
      this.orderings.splice(
        0,
        this.orderings.length,
        ...this.orderings.filter((o) => !addedBack.includes(o)),
      );
      const orderings = addedBack.map((o): PcsStep => ({
        owner: `an order constraint, added back for the stops`,
        argvs: [o.argv],
        phase: 1,
      }));
      // a refused add-back only leaves those stops unordered: the removal goes on
      await Promise.allSettled([...orderings, ...stopping.map(stopStep)].map((step) => this.enqueue(step)));
      const stops: Watch[] = stopping.map((m) => ({
        id: m.id,
        owner: m.owner,
        timeoutMs: m.stopTimeoutMs,
        allowFailed: false,
        cleanup: false,
        tasks: ["stop"],
      }));
      let settled: Settled | null;
      try {
        settled = await this.settler(stops, () => this.active > 1);
      } catch (err) {
        settled = { failed: [], unsettled: [] };
        warnUser(
          `could not wait for ${stopping.map((m) => m.owner).join(", ")} to stop: ${(err as Error).message}`,
        );
      }
      if (!settled) {
        marked.forEach((m) => this.marked.set(m.id, m));
        return false;
      }
      notStopped = [
        ...settled.unsettled.map((u) => `${u.owner}: still stopping when its wait ended`),
        ...settled.failed.map((f) => f.message),
      ];
      const stuck = new Set([...settled.unsettled, ...settled.failed].map((s) => s.id));
      marked.splice(0, marked.length, ...marked.filter((m) => !stuck.has(m.id)));
    }
    const problems = notStopped.map((n) => `not deleted, as it did not stop: ${n}`);
    if (marked.length) {
      try {
        await this.enqueue(
          removalStep(
            marked,
            addedBack.map((o) => o.id),
          ),
        );
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    const failure = problems.join("\n");
    if (failure && !reportToStep(`removals of this run:\n${failure}`)) throw new Error(failure);
    return true;
  }

  private enqueue(step: PcsStep): Promise<StepOutcome> {
    this.arrivals++;
    this.lastArrival = Date.now();
    this.wakeReleaser?.();
    return new Promise((resolve, reject) => {
      this.pending.push({ step, since: Date.now(), resolve, reject });
      this.stageSoon();
      this.schedule();
    });
  }

  /**
   * Stages once for all the steps that come in one turn of the event loop (the release submits one
   * step per held resource at once: one stage request for them all, not one each). The CIB's ids,
   * which staging a step with `needs` waits for, are read on the first such step, not the first
   * batch (a run of deletes has none: it reads nothing before its first batch).
   */
  private stageSoon(): void {
    if (!this.runBatch.stage || this.stageQueued) return;
    this.stageQueued = true;
    void this.knownIfNeeded().then(() => {
      this.stageQueued = false;
      this.stageEarly();
    });
  }

  /** Whether a pending step needs ids made elsewhere (a constraint's resources). */
  private anyNeeds(): boolean {
    return this.pending.some((p) => (p.step.needs ?? []).length > 0);
  }

  /** The CIB's resource ids when a pending step needs them (else those known so far, maybe none). */
  private knownIfNeeded(): Promise<Set<string>> {
    return this.known === null && !this.anyNeeds() ? Promise.resolve(new Set()) : this.knownIds();
  }

  /** The CIB's resource ids, read once (an unreadable CIB counts as none) and kept up to date. */
  private async knownIds(): Promise<Set<string>> {
    this.knownRead ??= this.readKnown()
      .catch(() => new Set<string>())
      .then((ids) => (this.known ??= ids));
    return this.knownRead;
  }

  /**
   * Hands the runner the pending steps that can go into the next batch as they come, while no
   * batch is running: their pcs work is done while the batch waits for the engine's other steps,
   * and the batch itself is then mostly its push. A step goes when its `needs` are in the CIB or
   * staged already, and only in phase order (a later phase staged makes the rest wait).
   */
  private stageEarly(): void {
    const stage = this.runBatch.stage;
    if (!stage || this.inFlight > 0 || (this.known === null && this.anyNeeds())) return;
    const staged = this.pending.filter((p) => p.staged);
    const made = new Set(staged.flatMap((p) => p.step.makes ?? []));
    let phase = Math.max(0, ...staged.map((p) => p.step.phase ?? 0));
    const now: Pending[] = [];
    for (const p of this.pending) {
      if (p.staged || (p.step.phase ?? 0) < phase) continue;
      if (!(p.step.needs ?? []).every((id) => this.known?.has(id) || made.has(id))) continue;
      phase = p.step.phase ?? 0;
      (p.step.makes ?? []).forEach((id) => made.add(id));
      p.staged = true;
      now.push(p);
    }
    if (now.length) stage(now.map((p) => p.step));
  }

  private schedule(delayMs = this.timing.collectMs): void {
    if (this.inFlight >= this.timing.maxBatches || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.worthWaiting()) this.schedule(10);
      else void this.flush();
    }, delayMs);
  }

  /**
   * Fewer steps than were ever in flight at once, and more coming: still arriving, the oldest
   * still young; or a batch just returned and the engine has not yet refilled the slots it freed.
   */
  private worthWaiting(): boolean {
    const now = Date.now();
    if (this.pending.length >= this.peakCallers - this.inFlightSteps) return false;
    const oldest = Math.min(...this.pending.map((p) => p.since));
    const arriving =
      now - this.lastArrival < this.timing.quietMs &&
      now - oldest < this.timing.collectMs + this.timing.fillWaitMs;
    return arriving || this.refilling(now);
  }

  /** After a batch: fewer new steps than it freed slots, none quiet for long, within fillWaitMs. */
  private refilling(now: number): boolean {
    if (!this.refill || now - this.refill.at >= this.timing.fillWaitMs) return false;
    const came = this.arrivals - this.refill.arrivals;
    if (came >= this.refill.freed) return false;
    // the first new step may take a while (the engine handles the replies first); then a lull ends it
    return came === 0 || now - this.lastArrival < this.timing.quietMs;
  }

  /**
   * The pending steps that can go now. Pulumi starts a resource and its constraint concurrently,
   * and their calls can reach this process more than a batch apart: a step whose `needs` are
   * neither in the CIB nor made by a step going with it waits for them (for needsWaitMs at most,
   * then pcs refuses it with its own message).
   */
  private async takeReady(): Promise<Pending[]> {
    const known = await this.knownIfNeeded();
    this.pending.forEach((p) => delete p.staged); // all staged are ready: they go now
    const made = new Set(this.pending.flatMap((p) => p.step.makes ?? []));
    const now = Date.now();
    const ready = (p: Pending) =>
      (p.step.needs ?? []).every((id) => known.has(id) || made.has(id)) ||
      now - p.since >= this.timing.needsWaitMs;
    const batch = this.pending.filter(ready);
    this.pending = this.pending.filter((p) => !ready(p));
    return batch.sort((a, b) => (a.step.phase ?? 0) - (b.step.phase ?? 0));
  }

  /** What interrupted runs left to remove, as a batch's reply shows it: removed with this run's. */
  private adoptInterrupted(live: LiveCluster): void {
    this.lastLive = live;
    leftByInterruptedRuns(live)
      .filter((m) => !this.marked.has(m.id))
      .forEach((m) => this.marked.set(m.id, m));
  }

  private async flush(): Promise<void> {
    this.inFlight++;
    const batch = await this.takeReady();
    if (batch.length) {
      const refillMs = this.refill ? ` refill=${Date.now() - this.refill.at}` : "";
      stat(`gather oldest=${Date.now() - Math.min(...batch.map((p) => p.since))}${refillMs}`);
    }
    this.refill = null;
    if (batch.length === 0) {
      this.inFlight--;
      if (this.pending.length) this.schedule();
      return;
    }
    this.inFlightSteps += batch.length;
    if (this.pending.length) this.schedule(); // another batch may start beside this one
    try {
      let outcome = await this.runBatch(batch.map((p) => p.step));
      // A push refused because the CIB changed under it: once more, on the new CIB.
      if (outcome.pushed && !outcome.pushed.ok) outcome = await this.runBatch(batch.map((p) => p.step));
      const live = await this.onCib(outcome.cib);
      // a union: a batch beside this one may have pushed after this one read the CIB
      if (outcome.cib) this.known ??= new Set(); // the configuration as pushed: all of its ids
      for (const id of resourceIds(live)) this.known?.add(id);
      this.adoptInterrupted(live);
      batch.forEach((p, i) => {
        const result = outcome.results[i];
        if (!result.ok) p.reject(stepError(p.step, result, this.target));
        else if (!result.skipped && outcome.pushed && !outcome.pushed.ok) {
          p.reject(
            new Error(
              `${p.step.owner}: the CIB push was refused: ${errorsFirst(outcome.pushed.stderr.trim())}`,
            ),
          );
        } else p.resolve({ skipped: result.skipped, live });
      });
    } catch (err) {
      batch.forEach((p) => p.reject(err as Error));
    } finally {
      this.inFlight--;
      this.inFlightSteps -= batch.length;
      this.refill = { at: Date.now(), arrivals: this.arrivals, freed: batch.length };
      // steps that came while this batch ran go with those the engine sends for the freed slots
      this.stageEarly();
      if (this.pending.length) this.schedule(0);
    }
  }
}
