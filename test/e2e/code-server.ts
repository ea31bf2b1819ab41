import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { GiveUp, until } from './wait';
import { withoutNpmEnv, type Tools } from './setup';

/**
 * One code-server on 127.0.0.1 with a profile of its own: HOME, XDG folders, TMPDIR, user data and
 * extensions all under `root`, so nothing of the machine's own VS Code set-up is read or written.
 */
export interface CodeServer {
  url: string;
  pid: number;
  /** code-server's own output (also holds the extension host's crashes). */
  logFile: string;
  userDataDir: string;
  /** Stops the whole process group (code-server, its extension host, our language server). */
  stop(): Promise<void>;
}

/** User settings of the fresh profile: no welcome page, tips, chat or update checks in the way. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.colorTheme': 'Dark Modern',
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'files.simpleDialog.enable': true,
  // Wrapped lines would split a table row in the editor's text; Markdown wraps by default.
  'editor.wordWrap': 'off',
  '[markdown]': { 'editor.wordWrap': 'off' },
};

function profileEnv(root: string): NodeJS.ProcessEnv {
  const dirs = { HOME: 'home', XDG_CONFIG_HOME: 'xdg/config', XDG_DATA_HOME: 'xdg/data', XDG_CACHE_HOME: 'xdg/cache', XDG_STATE_HOME: 'xdg/state', TMPDIR: 'tmp' };
  const env = withoutNpmEnv(process.env);
  for (const [k, d] of Object.entries(dirs)) {
    env[k] = path.join(root, d);
    mkdirSync(env[k]!, { recursive: true });
  }
  // The language server caches benchmarks under ONNX_SPARSITY_CACHE or HOME: keep it in the profile.
  delete env.ONNX_SPARSITY_CACHE;
  delete env.VSCODE_IPC_HOOK_CLI;
  return env;
}

/** Installs `vsix` into a fresh profile under `root`, starts code-server and waits for /healthz (the page names the folder to open). */
export async function startCodeServer(tools: Tools, root: string, vsix: string, timeoutMs = 60_000): Promise<CodeServer> {
  const env = profileEnv(root);
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const dirs = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const install = spawnSync(tools.node, [tools.codeServer, ...dirs, '--install-extension', vsix], { env, encoding: 'utf8', timeout: timeoutMs });
  if (install.status !== 0 || !/successfully installed/.test(install.stdout)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${install.status ?? install.signal}):\n${install.stdout}\n${install.stderr}`);
  }

  const port = await freePort();
  const logFile = path.join(root, 'code-server.log');
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(tools.node, [
      tools.codeServer, ...dirs, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened',
    ], { env, cwd: root, stdio: ['ignore', out, out], detached: true }); // detached: its own process group, stopped as one
  } finally {
    closeSync(out);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('code-server did not start');
  // Should this process die without running `stop` (an uncaught error), the group goes with it.
  const killOnExit = (): void => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.on('exit', killOnExit);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `code-server exited (${code ?? signal}); see ${logFile}`));
  const server: CodeServer = { url: `http://127.0.0.1:${port}`, pid, logFile, userDataDir, stop: async () => {
    await stopGroup(pid);
    process.off('exit', killOnExit);
  } };
  try {
    await until(`code-server /healthz on port ${port}`, timeoutMs, async () => {
      if (exited) throw new GiveUp(exited);
      const r = await fetch(`${server.url}/healthz`).catch(() => undefined);
      return r?.ok === true;
    });
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** SIGTERM to the group, SIGKILL to whatever is left after a few seconds; resolves when it is gone. */
export async function stopGroup(pid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  };
  if (!groupAlive(pid)) return;
  signal('SIGTERM');
  try {
    await until(`process group ${pid} to exit after SIGTERM`, 5_000, () => !groupAlive(pid));
  } catch {
    signal('SIGKILL');
    await until(`process group ${pid} to exit after SIGKILL`, 5_000, () => !groupAlive(pid));
  }
}

/** Whether any live (not zombie) process is in group `pgid`, from /proc: kill(-pgid, 0) also counts zombies no one reaps. */
export function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

/** A port free on the loopback now (the OS picks it; a clash with a later bind is unlikely and fails loudly). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
