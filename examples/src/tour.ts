import { parseArgs } from 'node:util';
import { runTour } from './tour/runTour.js';

// `npm start`: the tour, with the exit code CI checks (0 only if every step did what the course says).
const { values } = parseArgs({ options: { lang: { type: 'string' } }, strict: false });
// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const report = await runTour({ lang: values.lang === 'pt' ? 'pt' : 'en', color });
process.exitCode = report.ok ? 0 : 1;
