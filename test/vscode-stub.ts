import Module = require('node:module');

/**
 * A stand-in for the 'vscode' module, for the manifest test only: it records what activation
 * registers and which settings are read, and offers the few objects activation touches. Anything
 * else that is used at activation throws, so the stub cannot hide a real call. The real VS Code
 * runs in the end-to-end test.
 */
export interface Recorded {
  commands: string[];
  customEditors: { viewType: string; options: unknown }[];
  settingsRead: string[];
}

const disposable = { dispose(): void {} };

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.onDispose();
  }
}

class Uri {
  private constructor(readonly scheme: string, readonly path: string) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path, ...parts].join('/'));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

/** vscode-languageclient subclasses some vscode classes when it loads; empty classes do for that. */
function strict(name: string, members: Record<string, unknown>): object {
  return new Proxy(members, {
    get(target, key) {
      if (typeof key !== 'string' || key in target) return Reflect.get(target, key);
      if (key === 'then') return undefined;
      // Bundled TypeScript's __importStar copies a plain module's own keys; an "ES module" it uses as is.
      if (key === '__esModule') return name === 'vscode';
      if (name === 'vscode' && /^[A-Z]/.test(key)) return class {};
      throw new Error(`the vscode stub has no ${name}.${key}: activation used it; add it to test/vscode-stub.ts if that is intended`);
    },
  });
}

export function installVscodeStub(): Recorded {
  const rec: Recorded = { commands: [], customEditors: [], settingsRead: [] };
  const channel = { info() {}, warn() {}, error() {}, appendLine() {}, show() {}, dispose() {} };
  const vscode = strict('vscode', {
    Disposable,
    Uri,
    StatusBarAlignment: { Left: 1, Right: 2 },
    commands: strict('commands', {
      registerCommand(id: string) {
        rec.commands.push(id);
        return disposable;
      },
    }),
    window: strict('window', {
      registerCustomEditorProvider(viewType: string, _provider: unknown, options: unknown) {
        rec.customEditors.push({ viewType, options });
        return disposable;
      },
      createOutputChannel: () => channel,
      createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
    }),
    workspace: strict('workspace', {
      onDidChangeConfiguration: () => disposable,
      getWorkspaceFolder: () => undefined,
      getConfiguration(section: string) {
        return {
          get<T>(key: string, fallback: T): T {
            rec.settingsRead.push(`${section}.${key}`);
            return fallback;
          },
        };
      },
    }),
  });
  // Node resolves 'vscode' to this id, and finds the module already in the cache.
  const internals = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
  const resolve = internals._resolveFilename;
  internals._resolveFilename = function (request: string, ...rest: unknown[]): string {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  const m = new Module('vscode');
  m.exports = vscode;
  m.loaded = true;
  require.cache['vscode'] = m;
  return rec;
}
