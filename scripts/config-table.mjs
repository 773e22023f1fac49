// Prints the README's configuration table from the settings schema (run `npm run build` first).
import { configurationTable } from '../packages/config/dist/index.js';

process.stdout.write(`${configurationTable()}\n`);
