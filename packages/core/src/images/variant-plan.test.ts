import { describe, expect, it } from '@jest/globals';
import { planOutputs } from './variant-plan.js';

const settings = { thumbnailSize: 256, widths: [1280, 640] };

describe('planOutputs', () => {
  it('when a large photo is planned, then the display copy comes first, then thumbnail and widths format by format, AVIF last', () => {
    const plan = planOutputs({ id: 'Ab12Cd34Ef56', format: 'jpeg', width: 4000, hasAlpha: false }, settings);
    expect(plan.map((o) => `${o.name}.${o.format}`)).toEqual([
      'display.jpeg',
      'thumb.jpeg',
      'w640.jpeg',
      'w1280.jpeg',
      'thumb.webp',
      'w640.webp',
      'w1280.webp',
      'thumb.avif',
      'w640.avif',
      'w1280.avif',
    ]);
    expect(plan[0]!.key).toBe('public/Ab12Cd34Ef56.jpg');
    expect(plan[2]!.key).toBe('public/Ab12Cd34Ef56/w640.jpg');
    expect(plan[2]!.box).toEqual({ width: 640 });
  });

  it('when the image is narrower than a width, then that width is skipped (no upscaling)', () => {
    const plan = planOutputs({ id: 'Ab12Cd34Ef56', format: 'png', width: 640, hasAlpha: true }, settings);
    expect(plan.map((o) => `${o.name}.${o.format}`)).toEqual(['display.png', 'thumb.png', 'thumb.webp', 'thumb.avif']);
  });

  it('when the source is a GIF, then the display copy stays a GIF and variants fall back to PNG', () => {
    const plan = planOutputs({ id: 'Ab12Cd34Ef56', format: 'gif', width: 700, hasAlpha: false }, settings);
    expect(plan[0]).toMatchObject({ name: 'display', format: 'gif', key: 'public/Ab12Cd34Ef56.gif' });
    expect(plan.filter((o) => o.name === 'w640').map((o) => o.format)).toEqual(['png', 'webp', 'avif']);
  });
});
