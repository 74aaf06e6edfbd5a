#!/usr/bin/env node
/** `burrow`: the headless door to the core (see commands.ts for the command table). */
import { cli } from './commands.js';
import { processIo } from './io.js';
import { prepareTunnelProcess } from '../app/platform.js';

prepareTunnelProcess();

process.exitCode = await cli(process.argv.slice(2), processIo());
