// jest globalSetup of the chart project (jest.config.js): Helm and hadolint, once, before any test.

import { provisionChartTools } from './chart-tools.ts';

export default async function globalSetup(): Promise<void> {
  await provisionChartTools();
}
