/**
 * Burrow started at boot by the system's own service manager (systemd, launchd, Task Scheduler),
 * for every door: what it would write and run (the plan, shown before anything is done), doing
 * it, undoing it, and how it stands. The command line's `burrow service` and the window's "Start
 * at boot" are this, in their own words.
 */
import type { ServicePlanView, ServiceResult, ServiceStatusView } from '../../common/contract.js';
import {
  carryOutInstall,
  carryOutUninstall,
  chooseWhere,
  fileState,
  fileText,
  serviceStatus,
  ServiceChoiceError,
  type ServiceChoice,
} from '../core/service/manage.js';
import { installPlan, uninstallPlan, type Plan, type Where } from '../core/service/plan.js';
import { UnitWordError } from '../core/service/units.js';
import { AppFailure } from './errors.js';

/** The choice's errors, in the contract's words (the field is the choice they are about). */
function where(c: ServiceChoice, defaultFile: string, env: NodeJS.ProcessEnv, action: 'install' | 'uninstall' | 'status'): Where {
  try {
    return chooseWhere(c, defaultFile, env, action);
  } catch (err) {
    throw asFailure(err);
  }
}

function asFailure(err: unknown): unknown {
  if (err instanceof ServiceChoiceError)
    return new AppFailure({ code: 'INVALID_INPUT', message: err.message, hint: err.hint, field: err.field, cause: err.reason });
  if (err instanceof UnitWordError) {
    return new AppFailure({ code: 'INVALID_INPUT', message: err.message, hint: 'Move the config (or Burrow) to a path without one.', field: 'configFile' });
  }
  return err;
}

function view(action: 'install' | 'uninstall', w: Where, plan: Plan): ServicePlanView {
  return {
    action,
    platform: w.platform,
    scope: w.scope,
    name: plan.name,
    runsAs: plan.runsAs,
    configFile: plan.configFile,
    files: plan.files.map((f) => ({ path: f.path, mode: f.mode, text: fileText(f.content), exists: fileState(f.path) })),
    commands: plan.commands,
    after: plan.after,
    notes: plan.notes,
  };
}

export class Service {
  /** `defaultFile`: this app's own store, what a service runs unless told otherwise. */
  constructor(
    private readonly defaultFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  plan(a: ServiceChoice & { action: 'install' | 'uninstall' }): ServicePlanView {
    const w = where(a, this.defaultFile, this.env, a.action);
    return view(a.action, w, a.action === 'install' ? installPlan(w) : uninstallPlan(w));
  }

  install(a: ServiceChoice): ServiceResult {
    const w = where(a, this.defaultFile, this.env, 'install');
    const plan = installPlan(w);
    const planned = view('install', w, plan);
    try {
      return { ...carryOutInstall(plan), plan: planned };
    } catch (err) {
      throw asFailure(err);
    }
  }

  uninstall(a: ServiceChoice): ServiceResult {
    const w = where(a, this.defaultFile, this.env, 'uninstall');
    const plan = uninstallPlan(w);
    const planned = view('uninstall', w, plan);
    const r = carryOutUninstall(plan);
    return { ok: r.ok, steps: r.steps, left: r.left, plan: planned };
  }

  status(a: Pick<ServiceChoice, 'scope' | 'configFile'>): ServiceStatusView {
    const w = where(a, this.defaultFile, this.env, 'status');
    const s = serviceStatus(w);
    return {
      scope: w.scope,
      file: s.file,
      configFile: s.configFile,
      state: s.state,
      ...(s.systemd ? { systemd: s.systemd } : {}),
      ...(s.journal ? { journal: s.journal } : {}),
    };
  }
}
