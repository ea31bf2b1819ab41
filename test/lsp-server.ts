import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { InitializeRequest, type ClientCapabilities, type InitializeResult } from 'vscode-languageserver-protocol';

/** The bundled language server, as the extension starts it. */
export const SERVER = path.join(__dirname, '..', '..', 'dist', 'server.js');

/** The real language server over stdio, after its initialize answer. */
export async function startServer(capabilities: ClientCapabilities = {}): Promise<{ proc: ChildProcess; conn: MessageConnection; init: InitializeResult }> {
  const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities });
  return { proc, conn, init };
}
