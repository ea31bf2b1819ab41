import { RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { AnalysisOptions, Report } from './protocol';

/**
 * The custom requests of our language server, one typed constant each, so no method string
 * appears at a call site. Shared by the server and the VS Code client.
 */
/** Requests carry a client-made workDoneToken; the server reports $/progress on it. */
export interface AnalyzeParams extends WorkDoneProgressParams {
  /** Absolute path of the .onnx file. */
  path: string;
  options?: Partial<AnalysisOptions>;
}

export const AnalyzeRequest = new RequestType<AnalyzeParams, Report, void>('onnxSparsity/analyze');

/** Error codes the server answers with (JSON-RPC application range), besides LSP's RequestCancelled. */
export const ErrorCode = {
  /** The model cannot be analysed; the message names file, tensor or op. */
  analysis: -32001,
  /** The request's parameters were malformed. */
  usage: -32002,
} as const;
