import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { NODE_FLAGS } from './node-options.js';

const repoFile = (name: string) => readFileSync(new URL(`../../../${name}`, import.meta.url), 'utf8');

describe('NODE_FLAGS', () => {
  it('when the container starts Pictor, then its entrypoint passes them to node before main.js', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(repoFile('Dockerfile'))?.[1];
    expect(entrypoint).toBeDefined();
    const argv = JSON.parse(entrypoint!) as string[];
    const node = argv.indexOf('node');
    expect(argv.slice(node + 1, node + 1 + NODE_FLAGS.length)).toEqual([...NODE_FLAGS]);
    expect(argv[node + 1 + NODE_FLAGS.length]).toMatch(/apps\/pictor\/dist\/main\.js$/);
  });

  it('when `npm start` runs Pictor, then it passes them to node before main.js', () => {
    const { scripts } = JSON.parse(repoFile('package.json')) as { scripts: Record<string, string> };
    expect(scripts.start).toContain(`node ${NODE_FLAGS.join(' ')} apps/pictor/dist/main.js`);
  });
});
