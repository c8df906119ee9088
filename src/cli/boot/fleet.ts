#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.js';

// The `fleet` command: the CLI bundle beside this file, compiled from V8's code cache when there is one.
runWithCodeCache(fileURLToPath(new URL('./fleet-app.cjs', import.meta.url)));
