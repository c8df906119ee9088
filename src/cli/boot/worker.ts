import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.js';

// A forked worker of the CLI: its bundle beside this file, from the code cache like the CLI's own.
runWithCodeCache(fileURLToPath(new URL('./worker-app.cjs', import.meta.url)));
