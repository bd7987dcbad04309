/** The load generator in a process of its own: runs each load spec it is sent and answers with the result. */
import { serveParent } from '../ipc';
import { runLoad, type LoadSpec } from '../load';

serveParent((spec) => runLoad(spec as LoadSpec), null);
