import { Counter, type Registry } from 'prom-client';
import type { PasteServiceObserver } from '@pictor/core';

/**
 * The paste service's own counters, on the process's registry. Every series exists from the
 * start at 0, so rates and ratios are defined before the first paste.
 */
export function pasteMetrics(registry: Registry): PasteServiceObserver {
  const registers = [registry];
  const created = new Counter({ name: 'pictor_pastes_created_total', help: 'Pastes created.', registers });
  const reads = new Counter({
    name: 'pictor_paste_reads_total',
    help: 'Full reads of pastes, by where the text came from (cache: no database or storage touched).',
    labelNames: ['source'],
    registers,
  });
  const burnt = new Counter({
    name: 'pictor_pastes_burnt_total',
    help: 'Burn-after-reading pastes deleted by their read.',
    registers,
  });
  created.inc(0);
  burnt.inc(0);
  for (const source of ['cache', 'database']) reads.labels(source).inc(0);
  return {
    created: () => created.inc(),
    read: (source) => reads.labels(source).inc(),
    burnt: () => burnt.inc(),
  };
}
