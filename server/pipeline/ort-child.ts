import { serveJob } from '../child/serve-job';
import { ORT_JOBS } from './ort-jobs';

// The onnxruntime child's entry: bundled as dist/ort-child.js, forked by run-in-child.ts.
serveJob(ORT_JOBS);
