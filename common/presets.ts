/**
 * The named image preprocessing presets: how pixel values (0-255) become a model's input. Data
 * only, shared by the engine (server/inputs/preprocess.ts applies them) and the VS Code client
 * (which offers them by name).
 */
export interface Preset {
  /** Pixel values are multiplied by this before mean and std. */
  scale: number;
  /** Per channel (one value for all), in the scaled units, in the model's channel order. */
  mean: number[];
  std: number[];
  channels: 'rgb' | 'bgr';
  /** How the preset's convention is usually written. */
  text: string;
}

export const PRESETS: Record<string, Preset> = {
  imagenet: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channels: 'rgb', text: 'x / 255, then (x - mean) / std with ImageNet\'s mean and std' },
  '0-1': { scale: 1 / 255, mean: [0], std: [1], channels: 'rgb', text: 'x / 255: values in [0, 1]' },
  '-1-1': { scale: 1 / 127.5, mean: [1], std: [1], channels: 'rgb', text: 'x / 127.5 - 1: values in [-1, 1]' },
  raw: { scale: 1, mean: [0], std: [1], channels: 'rgb', text: 'pixel values 0-255 as they are' },
  caffe: { scale: 1, mean: [103.939, 116.779, 123.68], std: [1], channels: 'bgr', text: 'BGR, 0-255 minus the ImageNet mean in BGR order (Caffe, Keras "caffe" mode)' },
};

export const DEFAULT_PRESET = 'imagenet';

/** File extensions of the samples the run reads, by kind. */
export const SAMPLE_EXTENSIONS = {
  image: ['png', 'jpg', 'jpeg'],
  audio: ['wav'],
  tokens: ['json'],
  tensors: ['npy', 'npz', 'pb'],
} as const;
