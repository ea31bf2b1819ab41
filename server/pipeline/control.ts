/** How far a stage is: 0..1 of its own phase, with a line for the user. */
export interface Progress {
  fraction: number;
  message: string;
  phase: 'weights' | 'run' | 'bench' | 'crossover';
}

/** What every pipeline call takes besides its settings: a way to cancel it and to hear progress. */
export interface Control {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}
