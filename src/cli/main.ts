#!/usr/bin/env node
import { main } from './program.js';

// main() settles every error itself and ends the process; no top-level await, so the bundle can be CommonJS.
void main(process.argv);
