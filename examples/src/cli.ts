import { fromEvent } from 'rxjs';
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdin: process.stdin,
  interrupt: fromEvent(process, 'SIGINT'),
  isTTY: process.stdout.isTTY === true && !process.env.NO_COLOR,
});
