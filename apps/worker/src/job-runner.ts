import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, isAppError, type AppError, type DeliveredEvent, type EventBus, type Subscription } from '@pictor/core';
import { consumerContext, initialiseSeries, inSpan, type Logger } from '@pictor/observability';
import type { Counter, Gauge, Histogram } from 'prom-client';

/**
 * How a job is run, as data: where its events come from, how often a failure is retried and how
 * long the runner waits in between, where an event goes when it is given up on, and the closed
 * label sets of its metrics.
 */
export interface JobPolicy {
  topic: string;
  group: string;
  /** Attempts per event, counted durably by the job (crashes count too). */
  maxAttempts: number;
  /** Wait before retry n (1-based): `baseMs · factor^(n-1)`, at most `maxMs`. */
  backoff: { baseMs: number; factor: number; maxMs: number };
  /** Where events given up on go, with the error in their headers. */
  deadLetter: string;
  /** The error message of an event whose body the job cannot read. */
  malformedMessage: string;
  /** The trace span of one event, and the attribute its key is recorded under. */
  span: { name: string; keyAttribute: string };
  /** Every outcome, retry reason and dead-letter reason, so their series start at 0. */
  outcomes: readonly string[];
  retryReasons: readonly string[];
  deadLetterReasons: readonly string[];
}

export function backoffMs(policy: JobPolicy, attempt: number): number {
  const { baseMs, factor, maxMs } = policy.backoff;
  return Math.min(maxMs, baseMs * factor ** (attempt - 1));
}

/** An attempt the job agreed to make: the subject to work on and the attempt's number. */
export interface JobAttempt<S> {
  subject: S;
  attempt: number;
}

/** Nothing to do for this event (logged as `job skipped: <reason>`). */
export interface JobSkip {
  skipped: string;
  fields?: Record<string, unknown>;
}

/** What a job does with one event; the runner owns retries, dead letters, metrics and logs. */
export interface Job<P, S, O extends string> {
  /** The event's payload; undefined dead-letters the event as MALFORMED_EVENT. */
  parse(event: DeliveredEvent): P | undefined;
  /** Fields every log line about the event carries. */
  logFields(event: DeliveredEvent, payload: P | undefined): Record<string, unknown>;
  /** Starts an attempt (counting it), or says there is nothing to do. */
  begin(payload: P): Promise<JobAttempt<S> | JobSkip>;
  run(subject: S): Promise<O>;
  /** Runs after the outcome is logged, as part of the attempt (a failure here fails the attempt). */
  settle?(subject: S, outcome: O): Promise<void>;
  /** Records the final failure, after the event was dead-lettered. */
  fail(payload: P, reason: string): Promise<void>;
}

export type RunnerOutcome = 'failed' | 'skipped' | 'dead-lettered';

/** The instruments a runner reports to; each labelled by outcome or error code. */
export interface JobMetrics {
  duration: Histogram<'outcome'>;
  outcomes: Counter<'outcome'>;
  retries: Counter<'reason'>;
  deadLetters: Counter<'reason'>;
  inProgress: Gauge;
}

export interface JobRunnerDeps<P, S, O extends string> {
  policy: JobPolicy;
  job: Job<P, S, O>;
  bus: EventBus;
  logger: Logger;
  /** Nothing is measured when absent. */
  metrics?: JobMetrics;
  /** Overrides the policy's backoff (tests). */
  backoffMs?: (attempt: number) => number;
}

/**
 * Runs a job over the events of its topic. Retryable errors are retried here with backoff up to
 * the policy's maxAttempts; then the event goes to the dead-letter topic and the job records the
 * failure. `handle` only throws when it could not record an outcome, so the bus redelivers.
 */
export class JobRunner<P, S, O extends string> {
  private readonly backoff: (attempt: number) => number;

  constructor(private readonly deps: JobRunnerDeps<P, S, O>) {
    const { policy, metrics } = deps;
    this.backoff = deps.backoffMs ?? ((attempt) => backoffMs(policy, attempt));
    if (metrics) {
      // At 0 from the start, so the first retry or dead letter is an increase Prometheus sees.
      initialiseSeries(metrics.outcomes, { outcome: policy.outcomes });
      initialiseSeries(metrics.retries, { reason: policy.retryReasons });
      initialiseSeries(metrics.deadLetters, { reason: policy.deadLetterReasons });
      initialiseSeries(metrics.duration, { outcome: policy.outcomes });
    }
  }

  /** Consumes the policy's topic in its group until stopped. */
  start(concurrency: number): Promise<Subscription> {
    const { policy } = this.deps;
    return this.deps.bus.subscribe(
      policy.topic,
      async (event) => {
        await this.handle(event);
      },
      { group: policy.group, concurrency },
    );
  }

  async handle(event: DeliveredEvent): Promise<O | RunnerOutcome> {
    // In the producer's trace: the relay's span for this event is the parent.
    const { span } = this.deps.policy;
    return inSpan(
      span.name,
      { parent: consumerContext(event.headers), attributes: { [span.keyAttribute]: event.key } },
      async (active) => {
        const outcome = await this.handleMeasured(event);
        active.setAttribute('pictor.outcome', outcome);
        return outcome;
      },
    );
  }

  private async handleMeasured(event: DeliveredEvent): Promise<O | RunnerOutcome> {
    const metrics = this.deps.metrics;
    if (!metrics) return this.handleOnce(event);
    const stopTimer = metrics.duration.startTimer();
    metrics.inProgress.inc();
    try {
      const outcome = await this.handleOnce(event);
      metrics.outcomes.inc({ outcome });
      stopTimer({ outcome });
      return outcome;
    } finally {
      metrics.inProgress.dec();
    }
  }

  private async handleOnce(event: DeliveredEvent): Promise<O | RunnerOutcome> {
    const { job, policy } = this.deps;
    const started = Date.now();
    const payload = job.parse(event);
    const log = this.deps.logger.child(job.logFields(event, payload));
    if (payload === undefined) {
      await this.deadLetter(event, 'MALFORMED_EVENT', policy.malformedMessage, 0);
      log.warn('dead-lettered a malformed event', { key: event.key });
      return 'dead-lettered';
    }
    for (;;) {
      const begun = await job.begin(payload);
      if ('skipped' in begun) {
        log.info(`job skipped: ${begun.skipped}`, begun.fields ?? {});
        return 'skipped';
      }
      const { subject, attempt } = begun;
      if (attempt > policy.maxAttempts) {
        // Earlier attempts never reached an outcome (the process died mid-job): a poison event.
        const reason = `Processing did not finish in ${policy.maxAttempts} attempts.`;
        await this.fail(event, payload, 'TOO_MANY_ATTEMPTS', reason, attempt);
        log.error('job dead-lettered: too many attempts', { attempt });
        return 'failed';
      }
      log.debug('job started', { attempt });
      try {
        const outcome = await job.run(subject);
        log.info('job done', { outcome, attempt, durationMs: Date.now() - started });
        await job.settle?.(subject, outcome);
        return outcome;
      } catch (error) {
        const appError = classify(error);
        if (appError.retryable && attempt < policy.maxAttempts) {
          log.warn('job failed, will retry', { attempt, code: appError.code, error: appError.message });
          this.deps.metrics?.retries.inc({ reason: appError.code });
          await sleep(this.backoff(attempt));
          continue;
        }
        log.error('job failed for good', { attempt, code: appError.code, error: appError.message });
        await this.fail(event, payload, appError.code, appError.message, attempt);
        return 'failed';
      }
    }
  }

  /** The final outcome of a poison event: to the dead-letter topic, then the job's own record. */
  private async fail(event: DeliveredEvent, payload: P, code: string, reason: string, attempts: number): Promise<void> {
    await this.deadLetter(event, code, reason, attempts);
    await this.deps.job.fail(payload, reason);
  }

  private async deadLetter(event: DeliveredEvent, code: string, message: string, attempts: number): Promise<void> {
    await this.deps.bus.publish(this.deps.policy.deadLetter, [
      {
        key: event.key,
        value: event.value,
        headers: {
          ...event.headers,
          'x-error-code': code,
          'x-error-message': message.slice(0, 500),
          'x-attempts': String(attempts),
          'x-original-topic': event.topic,
        },
      },
    ]);
    this.deps.metrics?.deadLetters.inc({ reason: code });
  }
}

function classify(error: unknown): AppError {
  if (isAppError(error)) return error;
  // Anything unexpected (a dropped connection, a timeout) is worth another try.
  return ERRORS.processingFailed(error instanceof Error ? error.message : String(error), true, error);
}
