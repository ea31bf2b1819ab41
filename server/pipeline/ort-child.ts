import { serveJob } from '../child/serve-job';
import { ort } from '../analysis/run/session';
import { ORT_JOBS } from './ort-jobs';

// The onnxruntime child's entry: bundled as dist/ort-child.js, forked by run-in-child.ts.
serveJob(ORT_JOBS);
// Load onnxruntime now, while the parent is still measuring weights (the child is started ahead
// of its job): by the time the job arrives the native addon is in. A missing build is reported
// when the job asks for it.
setImmediate(() => {
  try {
    ort();
  } catch {
    // The job's own call says why.
  }
});
