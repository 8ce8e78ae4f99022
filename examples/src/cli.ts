import cluster from 'node:cluster';
import { main } from './cli/main.js';
import { terminalIo } from './cli/terminalIo.js';

const terminal = terminalIo();
process.exitCode = terminal.exitCode(await main(process.argv.slice(2), terminal.io));
// A --workers worker keeps an IPC channel to its primary open: leave once the command is done.
if (cluster.isWorker) process.exit();
