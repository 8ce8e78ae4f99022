import { main } from './cli/main.js';
import { terminalIo } from './cli/terminalIo.js';

const terminal = terminalIo();
process.exitCode = terminal.exitCode(await main(process.argv.slice(2), terminal.io));
