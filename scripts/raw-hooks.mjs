// Node module hooks for the CLI: `import text from './x.wgsl?raw'` yields the file's text, as Vite
// does in the browser build and in vitest. Registered by bin/tract.mjs after tsx, so it runs first.
import { register } from 'node:module';

register('./raw-loader.mjs', import.meta.url);
