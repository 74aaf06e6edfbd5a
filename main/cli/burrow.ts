#!/usr/bin/env node
/** `burrow`: the headless door to the core (see commands.ts for the command table). */
import { cli } from './commands.js';
import { processIo } from './io.js';
import { tuneV8ForTunnels } from '../core/session/v8-flags.js';

tuneV8ForTunnels();

process.exitCode = await cli(process.argv.slice(2), processIo());
