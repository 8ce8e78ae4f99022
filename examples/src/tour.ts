import { main } from './cli/main.js';
import { terminalIo } from './cli/terminalIo.js';

// `npm start`: `porta tour`, with the exit code CI checks (0 only if every step did what the course says).
const terminal = terminalIo();
process.exitCode = terminal.exitCode(await main(['tour', ...process.argv.slice(2)], terminal.io));
